package io.sparktrain.trainer.gan;

import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.model.NativeLayerOps;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;

/**
 * The three networks of a GAN, built from one layer list per side so that layer names, and thus
 * parameter names, agree: the generator alone (noise to image, for sampling), the discriminator
 * (image to the probability that it is real, trained with binary cross-entropy), and the
 * adversarial network that trains the generator: the generator followed by a frozen copy of the
 * discriminator, whose gradient flows back into the generator but whose weights stay as copied.
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

    /** One layer of a side, with the reshape its input needs, if any. */
    private record Stage(String name, Layer layer, InputPreProcessor reshape) {
        Stage(String name, Layer layer) {
            this(name, layer, null);
        }
    }

    /** The layers of one architecture; fresh objects on every call, since DL4J completes them in place. */
    private interface Architecture {
        List<Stage> generator(int noiseSize);

        List<Stage> discriminator();
    }

    /** The lecture's GAN: 100 -> 256 ReLU -> 784 sigmoid against 784 -> 256 ReLU -> 1 sigmoid. */
    private static final class Lecture implements Architecture {
        @Override
        public List<Stage> generator(int noiseSize) {
            return List.of(new Stage("g1", dense(256, Activation.RELU)),
                    new Stage(GENERATED, dense(SIDE * SIDE, Activation.SIGMOID)));
        }

        @Override
        public List<Stage> discriminator() {
            return List.of(new Stage("d1", dense(256, Activation.RELU)),
                    new Stage(SCORE, dense(1, Activation.IDENTITY)));
        }
    }

    /**
     * A DCGAN for 28x28 images (Radford et al., scaled down): noise to 7x7x2w, then two stride-2
     * transposed 5x5 convolutions to 14x14xw and 28x28x1, batch normalization and ReLU between;
     * the discriminator mirrors it with stride-2 5x5 convolutions to w and 2w maps and LeakyReLU
     * (slope 0.2). w is {@code model.width}; computation grows with its square. The
     * discriminator has no batch normalization: DL4J 1.0.0-M2.1 cannot train through a frozen one
     * (its inference-mode forward pass leaves the backward pass an outdated workspace array).
     */
    private static final class DcGan implements Architecture {
        private static final int SEED_SIDE = SIDE / 4;
        private final int width;

        DcGan(int width) {
            this.width = width;
        }

        @Override
        public List<Stage> generator(int noiseSize) {
            // Batch normalization subtracts any bias of the layer before it: those layers have none.
            return List.of(new Stage("g1", new DenseLayer.Builder().nOut(SEED_SIDE * SEED_SIDE * 2 * width)
                            .hasBias(false).activation(Activation.IDENTITY).build()),
                    new Stage("g1_bn", batchNorm()),
                    new Stage("g2", deconvolution(width, Activation.IDENTITY, false),
                            new FeedForwardToCnnPreProcessor(SEED_SIDE, SEED_SIDE, 2 * width)),
                    new Stage("g2_bn", batchNorm()),
                    new Stage(GENERATED, deconvolution(1, Activation.SIGMOID, true)));
        }

        @Override
        public List<Stage> discriminator() {
            return List.of(new Stage("d1", convolution(width)), new Stage("d2", convolution(2 * width)),
                    new Stage(SCORE, dense(1, Activation.IDENTITY)));
        }

        private static Layer batchNorm() {
            return new BatchNormalization.Builder().activation(Activation.RELU).build();
        }

        private static Layer deconvolution(int maps, Activation activation, boolean bias) {
            return new Deconvolution2D.Builder(5, 5).stride(2, 2).convolutionMode(ConvolutionMode.Same).nOut(maps)
                    .hasBias(bias).activation(activation).build();
        }

        private static Layer convolution(int maps) {
            return new ConvolutionLayer.Builder(5, 5).stride(2, 2).convolutionMode(ConvolutionMode.Same).nOut(maps)
                    .activation(new ActivationLReLU(0.2)).build();
        }
    }

    private static Layer dense(int units, Activation activation) {
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
        ComputationGraphConfiguration.GraphBuilder graph = builder(spec, NOISE, InputType.feedForward(noiseSize));
        String last = add(graph, architecture(spec).generator(noiseSize), NOISE, false);
        return graph.setOutputs(last).build();
    }

    /** A flattened 28x28 image to the probability that it is real, with binary cross-entropy to train it. */
    public static ComputationGraphConfiguration discriminator(ModelSpec spec) {
        ComputationGraphConfiguration.GraphBuilder graph = builder(spec, IMAGE,
                InputType.convolutionalFlat(SIDE, SIDE, 1));
        String last = add(graph, architecture(spec).discriminator(), IMAGE, false);
        return withLoss(graph, last);
    }

    /** The generator followed by a frozen copy of the discriminator, with binary cross-entropy. */
    public static ComputationGraphConfiguration adversarial(ModelSpec spec, int noiseSize) {
        Architecture architecture = architecture(spec);
        ComputationGraphConfiguration.GraphBuilder graph = builder(spec, NOISE, InputType.feedForward(noiseSize));
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

    private static ComputationGraphConfiguration.GraphBuilder builder(ModelSpec spec, String input, InputType type) {
        return spec.commonSettings().weightInit(WeightInit.XAVIER).graphBuilder().addInputs(input)
                .setInputTypes(type);
    }

    private static String add(ComputationGraphConfiguration.GraphBuilder graph, List<Stage> stages, String input,
            boolean frozen) {
        String previous = input;
        for (Stage stage : stages) {
            graph.addLayer(stage.name(), frozen ? new FrozenLayerWithBackprop(stage.layer()) : stage.layer(),
                    previous);
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
