package io.sparktrain.trainer.model;

import io.sparktrain.trainer.config.TrainConfig;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/** What a model factory needs: input shape, classes, seed and optimizer. */
public record ModelSpec(int channels, int height, int width, int numClasses, long seed, IUpdater updater, double l2) {

    private static final Map<String, Supplier<ModelFactory>> FACTORIES = Map.of("lenet", LeNet::new);

    public static ModelSpec of(TrainConfig.Model model, int channels, int height, int width, int numClasses) {
        return new ModelSpec(channels, height, width, numClasses, model.seed(), updater(model), model.l2());
    }

    static IUpdater updater(TrainConfig.Model model) {
        // The epoch count that drives the schedule travels to the workers with the configuration.
        ISchedule rate = new ExponentialSchedule(ScheduleType.EPOCH, model.learningRate(), model.learningRateDecay());
        return switch (model.updater()) {
            case "adam" -> new Adam(rate);
            case "sgd" -> new Sgd(rate);
            case "nesterovs" -> new Nesterovs(rate, model.momentum());
            default -> throw new IllegalArgumentException("model.updater = " + model.updater() + " has no implementation");
        };
    }

    /** The configuration of {@code architecture} for this spec. */
    public MultiLayerConfiguration configuration(String architecture) {
        Supplier<ModelFactory> factory = FACTORIES.get(architecture);
        if (factory == null) {
            throw new IllegalArgumentException("model.architecture = " + architecture + " has no factory; known: "
                    + FACTORIES.keySet());
        }
        return factory.get().configuration(this);
    }

    /** A freshly initialized network. */
    public MultiLayerNetwork newNetwork(String architecture) {
        MultiLayerNetwork network = new MultiLayerNetwork(configuration(architecture));
        network.init();
        return network;
    }
}
