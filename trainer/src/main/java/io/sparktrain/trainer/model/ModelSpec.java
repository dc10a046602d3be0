package io.sparktrain.trainer.model;

import io.sparktrain.trainer.config.TrainConfig;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * What a model factory needs: input shape, classes, seed, optimizer and, for ResNets, the stem and
 * the width.
 * Every dataset's shards hold each image flattened in channel, row, column order.
 */
public record ModelSpec(int channels, int height, int width, int numClasses, long seed, IUpdater updater, double l2,
        ResNet.Stem stem, int resNetWidth) {

    /** The name of every network's single input and single output vertex. */
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    private static final Map<String, Supplier<ModelFactory>> FACTORIES = Map.of(
            "lenet", LeNet::new,
            "resnet18", () -> new ResNet(ResNet.Depth.RESNET_18),
            "resnet34", () -> new ResNet(ResNet.Depth.RESNET_34),
            "resnet50", () -> new ResNet(ResNet.Depth.RESNET_50));

    public static ModelSpec of(TrainConfig.Model model, int channels, int height, int width, int numClasses) {
        return new ModelSpec(channels, height, width, numClasses, model.seed(), updater(model), model.l2(),
                ResNet.Stem.of(model.stem(), height, width), model.width());
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

    /** Images arrive flattened; DL4J reshapes them to channels x height x width at the input. */
    public InputType inputType() {
        return InputType.convolutionalFlat(height, width, channels);
    }

    /** The configuration of {@code architecture} for this spec. */
    public ComputationGraphConfiguration configuration(String architecture) {
        Supplier<ModelFactory> factory = FACTORIES.get(architecture);
        if (factory == null) {
            throw new IllegalArgumentException("model.architecture = " + architecture + " has no factory; known: "
                    + FACTORIES.keySet());
        }
        return factory.get().configuration(this);
    }

    /** A freshly initialized network. */
    public ComputationGraph newNetwork(String architecture) {
        NativeLayerOps.enableInThisJvm();
        ComputationGraph network = new ComputationGraph(configuration(architecture));
        network.init();
        return network;
    }
}
