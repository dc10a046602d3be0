package io.sparktrain.trainer.gan;

import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.dl4j.FastConvolution2D;
import io.sparktrain.trainer.dl4j.FastDeconvolution2D;
import io.sparktrain.trainer.dl4j.FastReLU;
import io.sparktrain.trainer.dl4j.FusedBatchNormalization;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.sync.allreduce.NetworkState;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The three networks of a GAN, built from one layer list per side so that layer names, and thus
 * parameter names, agree: the generator alone (noise to image, for sampling), the discriminator
 * (image to the probability that it is real, trained with binary cross-entropy), and the
 * adversarial network that trains the generator: the generator followed by a frozen copy of the
 * discriminator, whose gradient flows back into the generator but whose weights stay as copied.
 *
 * <p>The copy is frozen by a learning rate of 0, not by DL4J's {@code FrozenLayerWithBackprop}: that
 * runs its layer in inference mode, so batch normalization would normalize the fakes with running
 * statistics where the discriminator trained on batch statistics, and in 1.0.0-M2.1 its backward
 * pass through batch normalization reads an outdated workspace array. These layers run in training
 * mode, as the reference DCGAN's discriminator does in the generator's step. Batch normalization's
 * running statistics still move (DL4J updates them outside the updater), but only in the copy,
 * which the next round overwrites.
 *
 * <p>With label 1 on every generated image, the adversarial network's binary cross-entropy is
 * -log D(G(z)), the non-saturating generator loss. On real images labelled 1 and as many fakes
 * labelled 0, the discriminator's is the mean of -log D(x) and -log(1 - D(G(z))): half the
 * lecture's sum, the same minimum and, for Adam, the same steps.
 */
public final class GanModels {
    public static final String NOISE = "noise";
    public static final String IMAGE = "image";
    /** The generator's last layer: the image. */
    public static final String GENERATED = "generated";
    /**
     * The discriminator's last layer: the logit of the probability that its input is real. The
     * loss layer after it applies the sigmoid, so the networks output the probability itself while
     * the loss works from the logit ({@link SigmoidCrossEntropy}).
     */
    public static final String SCORE = "score";
    static final String LOSS = "loss";

    /** 28x28 grey images, as MNIST and Fashion-MNIST have them. */
    public static final int SIDE = 28;

    private GanModels() {}

    /** One layer of a side, with the reshape its input needs, if any, or a vertex without parameters. */
    private record Stage(String name, Layer layer, InputPreProcessor reshape, GraphVertex vertex) {
        Stage(String name, Layer layer) {
            this(name, layer, null, null);
        }

        Stage(String name, Layer layer, InputPreProcessor reshape) {
            this(name, layer, reshape, null);
        }

        Stage(String name, GraphVertex vertex) {
            this(name, null, null, vertex);
        }
    }

    /** The layers of one architecture; fresh objects on every call, since DL4J completes them in place. */
    private interface Architecture {
        IWeightInit weightInit();

        List<Stage> generator(int noiseSize);

        List<Stage> discriminator();
    }

    /** The lecture's GAN: 100 -> 256 ReLU -> 784 sigmoid against 784 -> 256 ReLU -> 1 sigmoid. */
    private static final class Lecture implements Architecture {
        @Override
        public IWeightInit weightInit() {
            return WeightInit.XAVIER.getWeightInitFunction();
        }

        @Override
        public List<Stage> generator(int noiseSize) {
            return List.of(new Stage("g1", dense(256, new FastReLU())),
                    new Stage(GENERATED, dense(SIDE * SIDE, Activation.SIGMOID.getActivationFunction())));
        }

        @Override
        public List<Stage> discriminator() {
            return List.of(new Stage("d1", dense(256, new FastReLU())),
                    new Stage(SCORE, dense(1, Activation.IDENTITY.getActivationFunction())));
        }
    }

    /**
     * A DCGAN for 28x28 images (Radford et al., scaled down): noise to 7x7x2w, then two stride-2
     * transposed 5x5 convolutions to 14x14xw and 28x28x1, batch normalization and ReLU between,
     * tanh at the end; the discriminator mirrors it with stride-2 5x5 convolutions to w and 2w maps
     * and LeakyReLU (slope 0.2), and batch normalization on its second. Both work on pixels in
     * [-1, 1], as Radford et al.'s do. w is {@code model.width}; computation grows with its square.
     */
    private static final class DcGan implements Architecture {
        private static final int SEED_SIDE = SIDE / 4;
        private static final double LEAK = 0.2;
        private final int width;

        DcGan(int width) {
            this.width = width;
        }

        /** N(0, 0.02), as Radford et al. initialize every layer. */
        @Override
        public IWeightInit weightInit() {
            return new WeightInitDistribution(new NormalDistribution(0, 0.02));
        }

        @Override
        public List<Stage> generator(int noiseSize) {
            // Batch normalization subtracts any bias of the layer before it: those layers have none.
            return List.of(new Stage("g1", new DenseLayer.Builder().nOut(SEED_SIDE * SEED_SIDE * 2 * width)
                            .hasBias(false).activation(Activation.IDENTITY).build()),
                    new Stage("g1_bn", batchNorm()),
                    new Stage("g1_relu", activation(new FastReLU())),
                    new Stage("g2", deconvolution(width, Activation.IDENTITY, false),
                            new FeedForwardToCnnPreProcessor(SEED_SIDE, SEED_SIDE, 2 * width)),
                    new Stage("g2_bn", batchNorm()),
                    new Stage("g2_relu", activation(new FastReLU())),
                    new Stage("g3", deconvolution(1, Activation.TANH, true)),
                    // The rest of the project sees pixels in [0, 1], as the shards hold them.
                    new Stage("g3_shift", new ShiftVertex(1)),
                    new Stage(GENERATED, new ScaleVertex(0.5)));
        }

        @Override
        public List<Stage> discriminator() {
            return List.of(new Stage("d0_scale", new ScaleVertex(2)), new Stage("d0_shift", new ShiftVertex(-1)),
                    new Stage("d1", convolution(width, new ActivationLReLU(LEAK), true)),
                    new Stage("d2", convolution(2 * width, Activation.IDENTITY.getActivationFunction(), false)),
                    new Stage("d2_bn", batchNorm()),
                    new Stage("d2_lrelu", activation(new ActivationLReLU(LEAK))),
                    new Stage(SCORE, dense(1, Activation.IDENTITY.getActivationFunction())));
        }

        private static Layer batchNorm() {
            return new FusedBatchNormalization();
        }

        /** A layer of its own: DL4J's batch normalization ignores the activation it is configured with. */
        private static Layer activation(IActivation activation) {
            return new ActivationLayer.Builder().activation(activation).build();
        }

        private static Layer deconvolution(int maps, Activation activation, boolean bias) {
            return new FastDeconvolution2D(new Deconvolution2D.Builder(5, 5).stride(2, 2)
                    .convolutionMode(ConvolutionMode.Same).nOut(maps).hasBias(bias).activation(activation));
        }

        private static Layer convolution(int maps, IActivation activation, boolean bias) {
            return new FastConvolution2D(new ConvolutionLayer.Builder(5, 5).stride(2, 2)
                    .convolutionMode(ConvolutionMode.Same).nOut(maps).hasBias(bias).activation(activation));
        }
    }

    private static Layer dense(int units, IActivation activation) {
        return new DenseLayer.Builder().nOut(units).activation(activation).build();
    }

    private static Architecture architecture(ModelSpec spec) {
        return switch (spec.model().architecture()) {
            case "gan" -> new Lecture();
            case "dcgan" -> new DcGan(spec.model().width());
            default -> throw new IllegalArgumentException("model.architecture = " + spec.model().architecture()
                    + " is not a GAN");
        };
    }

    /** What the GAN networks are built from: {@code model}'s settings, 28x28 grey images, one probability out. */
    public static ModelSpec spec(TrainConfig.Model model) {
        return ModelSpec.of(model, 1, SIDE, SIDE, 1);
    }

    /** Noise of {@code noiseSize} to a flattened 28x28 image (a 1x28x28 map for dcgan). */
    public static ComputationGraphConfiguration generator(ModelSpec spec, int noiseSize) {
        Architecture architecture = architecture(spec);
        ComputationGraphConfiguration.GraphBuilder graph = builder(spec, architecture, NOISE,
                InputType.feedForward(noiseSize));
        String last = add(graph, architecture.generator(noiseSize), NOISE, false);
        return graph.setOutputs(last).build();
    }

    /** A flattened 28x28 image to the probability that it is real, with binary cross-entropy to train it. */
    public static ComputationGraphConfiguration discriminator(ModelSpec spec) {
        Architecture architecture = architecture(spec);
        ComputationGraphConfiguration.GraphBuilder graph = builder(spec, architecture, IMAGE,
                InputType.convolutionalFlat(SIDE, SIDE, 1));
        String last = add(graph, architecture.discriminator(), IMAGE, false);
        return withLoss(graph, last);
    }

    /** The generator followed by a frozen copy of the discriminator, with binary cross-entropy. */
    public static ComputationGraphConfiguration adversarial(ModelSpec spec, int noiseSize) {
        Architecture architecture = architecture(spec);
        ComputationGraphConfiguration.GraphBuilder graph = builder(spec, architecture, NOISE,
                InputType.feedForward(noiseSize));
        String generated = add(graph, architecture.generator(noiseSize), NOISE, false);
        String last = add(graph, architecture.discriminator(), generated, true);
        return withLoss(graph, last);
    }

    /** Fresh, initialized networks: a discriminator and an adversarial network holding the generator. */
    public static GanNetworks newNetworks(ModelSpec spec, int noiseSize) {
        NativeLayerOps.enableInThisJvm();
        ComputationGraph discriminator = new ComputationGraph(discriminator(spec));
        discriminator.init();
        ComputationGraph adversarial = new ComputationGraph(adversarial(spec, noiseSize));
        adversarial.init();
        GanNetworks networks = new GanNetworks(discriminator, adversarial, generator(spec, noiseSize).toJson());
        networks.copyDiscriminator();
        return networks;
    }

    /**
     * Checkpointed networks in the configurations this version builds: their parameters, optimizer
     * state and counts, this version's layers. A run resumed after a layer implementation changed
     * gets the new one (a DCGAN checkpointed before {@link FastDeconvolution2D} trains on with its
     * forward pass); one whose parameters no longer fit is refused.
     */
    public static GanNetworks restored(ModelSpec spec, int noiseSize, ComputationGraph discriminator,
            ComputationGraph adversarial) {
        NativeLayerOps.enableInThisJvm();
        return new GanNetworks(rebuilt(discriminator, discriminator(spec), "discriminator"),
                rebuilt(adversarial, adversarial(spec, noiseSize), "adversarial network"),
                generator(spec, noiseSize).toJson());
    }

    private static ComputationGraph rebuilt(ComputationGraph saved, ComputationGraphConfiguration today, String what) {
        ComputationGraph layout = new ComputationGraph(today);
        layout.init();
        GanNetworks.requireParameters(saved, layout, what);
        ComputationGraphConfiguration counts = saved.getConfiguration();
        return new NetworkState(today.toJson(), saved.params(), saved.getUpdater().getStateViewArray(),
                counts.getIterationCount(), counts.getEpochCount()).build();
    }

    private static ComputationGraphConfiguration.GraphBuilder builder(ModelSpec spec, Architecture architecture,
            String input, InputType type) {
        return spec.commonSettings().weightInit(architecture.weightInit()).graphBuilder().addInputs(input)
                .setInputTypes(type);
    }

    private static String add(ComputationGraphConfiguration.GraphBuilder graph, List<Stage> stages, String input,
            boolean frozen) {
        String previous = input;
        for (Stage stage : stages) {
            if (frozen && stage.layer() instanceof BaseLayer layer) {
                layer.setIUpdater(new Sgd(0));
                layer.setBiasUpdater(new Sgd(0));
            }
            if (stage.vertex() != null) {
                graph.addVertex(stage.name(), stage.vertex(), previous);
            } else {
                graph.addLayer(stage.name(), stage.layer(), previous);
            }
            if (stage.reshape() != null) {
                graph.inputPreProcessor(stage.name(), stage.reshape());
            }
            previous = stage.name();
        }
        return previous;
    }

    private static ComputationGraphConfiguration withLoss(ComputationGraphConfiguration.GraphBuilder graph,
            String score) {
        return graph.addLayer(LOSS, new LossLayer.Builder(new SigmoidCrossEntropy()).activation(Activation.SIGMOID)
                .build(), score).setOutputs(LOSS).build();
    }
}
