package io.sparktrain.trainer.model;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.TrainConfig;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * What a model factory needs: the input shape, the number of outputs (classes, or regression
 * targets) and the model settings. Every dataset's examples arrive flattened in channel, row,
 * column order.
 */
public record ModelSpec(int channels, int height, int width, int outputs, TrainConfig.Model model) {

    /** The name of every network's single input and single output vertex. */
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    private static final Map<String, Supplier<ModelFactory>> FACTORIES = Map.of(
            "lenet", LeNet::new,
            "resnet18", () -> new ResNet(ResNet.Depth.RESNET_18),
            "resnet34", () -> new ResNet(ResNet.Depth.RESNET_34),
            "resnet50", () -> new ResNet(ResNet.Depth.RESNET_50),
            ConfigSchema.MLP, Mlp::new);

    public static ModelSpec of(TrainConfig.Model model, int channels, int height, int width, int outputs) {
        return new ModelSpec(channels, height, width, outputs, model);
    }

    public long seed() {
        return model.seed();
    }

    public ResNet.Stem stem() {
        return ResNet.Stem.of(model.stem(), height, width);
    }

    public int resNetWidth() {
        return model.width();
    }

    /** Inputs per example. */
    public int inputSize() {
        return channels * height * width;
    }

    public IUpdater updater() {
        // The epoch count that drives the schedule travels to the workers with the configuration.
        ISchedule rate = new ExponentialSchedule(ScheduleType.EPOCH, model.learningRate(), model.learningRateDecay());
        return switch (model.updater()) {
            case "sgd" -> new Sgd(rate);
            case "momentum" -> new Momentum(rate, model.momentum());
            case "nesterovs" -> new Nesterovs(rate, model.momentum());
            case "adagrad" -> new AdaGradKeepingSchedule(rate);
            case "rmsprop" -> RmsProp.builder().learningRateSchedule(rate).rmsDecay(model.rho()).build();
            case "adam" -> Adam.builder().learningRateSchedule(rate).beta1(model.beta1()).beta2(model.beta2()).build();
            default -> throw new IllegalArgumentException("model.updater = " + model.updater() + " has no implementation");
        };
    }

    /**
     * What every architecture shares: seed, float32, the optimizer, L1 and L2 penalties on weights,
     * and gradient clipping.
     */
    public NeuralNetConfiguration.Builder commonSettings() {
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder()
                .seed(model.seed())
                .dataType(DataType.FLOAT)
                .updater(updater())
                .l1(model.l1())
                .l2(model.l2());
        return switch (model.gradientClipping()) {
            case "none" -> builder;
            case "value" -> builder.gradientNormalization(GradientNormalization.ClipElementWiseAbsoluteValue)
                    .gradientNormalizationThreshold(model.gradientClippingThreshold());
            case "norm" -> builder.gradientNormalization(GradientNormalization.ClipL2PerParamType)
                    .gradientNormalizationThreshold(model.gradientClippingThreshold());
            default -> throw new IllegalArgumentException("model.gradient-clipping = " + model.gradientClipping()
                    + " has no implementation");
        };
    }

    /** Images arrive flattened; DL4J reshapes them to channels x height x width at the input. */
    public InputType inputType() {
        return InputType.convolutionalFlat(height, width, channels);
    }

    /** The flat images as NHWC, for the layer that first reads them in a channels-last network. */
    public ChannelsLastInput channelsLastInput() {
        return new ChannelsLastInput(height, width, channels);
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

    /** A freshly initialized network, its biases drawn from a standard normal if model.bias-init says so. */
    public ComputationGraph newNetwork(String architecture) {
        NativeLayerOps.enableInThisJvm();
        ComputationGraph network = new ComputationGraph(configuration(architecture));
        network.init();
        if (model.biasInit().equals("normal")) {
            // DL4J can only start biases at a constant; its own seeded generator keeps this reproducible.
            Random random = Nd4j.getRandomFactory().getNewRandomInstance(model.seed());
            for (Layer layer : network.getLayers()) {
                INDArray bias = layer.paramTable().get(DefaultParamInitializer.BIAS_KEY);
                if (bias != null) {
                    bias.assign(Nd4j.randn(random, bias.shape()));
                }
            }
        }
        return network;
    }
}
