package io.sparktrain.trainer.model;

import io.sparktrain.trainer.dl4j.FastConvolution2D;
import io.sparktrain.trainer.dl4j.FastReLU;
import io.sparktrain.trainer.dl4j.FusedBatchNormalization;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Residual networks as He et al. (2015, "Deep Residual Learning for Image Recognition", Table 1)
 * define them: a 7x7/2 convolution and a 3x3/2 max-pool, four stages of 64, 128, 256 and 512
 * channels (the first keeps the resolution, each later one halves it in its first block), global
 * average pooling and a softmax layer. Every convolution is followed by batch normalization and
 * has no bias of its own. Shortcuts are identities, or 1x1 convolutions with batch normalization
 * where the shape changes (the paper's option B).
 *
 * <p>Bottleneck blocks downsample in their first 1x1 convolution, as in the paper; torchvision's
 * "v1.5" moves the stride to the 3x3 convolution, which changes neither shapes nor parameter counts.
 *
 * <p>The small stem, a 3x3/1 convolution without pooling, keeps 28 to 64 px inputs from shrinking
 * to a single pixel before the last stage. The width (channels of the stem and the first stage,
 * 64 in the paper) scales every stage, and the computation with its square.
 *
 * <p>The network runs channels-last (NHWC) from its input on: every layer takes its layout from the
 * input's, and oneDNN convolves NHWC data in place where it reorders NCHW data to its own blocked
 * layout and back around every convolution.
 */
public final class ResNet implements ModelFactory {
    /** Stages there are; each has twice the channels of the one before. */
    private static final int STAGES = 4;

    /** Blocks per stage and their kind, from the paper's Table 1. */
    public enum Depth {
        RESNET_18(false, 2, 2, 2, 2),
        RESNET_34(false, 3, 4, 6, 3),
        RESNET_50(true, 3, 4, 6, 3);

        final boolean bottleneck;
        final List<Integer> blocks;

        Depth(boolean bottleneck, Integer... blocks) {
            this.bottleneck = bottleneck;
            this.blocks = List.of(blocks);
        }

        /** Channels a block of a stage with {@code width} outputs: bottlenecks expand four times. */
        int outputs(int width) {
            return bottleneck ? 4 * width : width;
        }
    }

    /** The layers before the first stage. */
    public enum Stem {
        IMAGENET, SMALL;

        /** Inputs up to this many pixels on their shorter side get the small stem under {@code auto}. */
        static final int SMALL_INPUT_MAX = 64;

        static Stem of(String setting, int height, int width) {
            return switch (setting) {
                case "imagenet" -> IMAGENET;
                case "small" -> SMALL;
                case "auto" -> Math.min(height, width) <= SMALL_INPUT_MAX ? SMALL : IMAGENET;
                default -> throw new IllegalArgumentException("model.stem = " + setting + " is not auto, imagenet or small");
            };
        }
    }

    private final Depth depth;

    public ResNet(Depth depth) {
        this.depth = depth;
    }

    @Override
    public ComputationGraphConfiguration configuration(ModelSpec spec) {
        ComputationGraphConfiguration.GraphBuilder graph = spec.commonSettings()
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs(ModelSpec.INPUT);
        String last = stem(graph, spec);
        int channels = spec.resNetWidth();
        for (int stage = 0; stage < STAGES; stage++) {
            int width = spec.resNetWidth() << stage;
            for (int block = 0; block < depth.blocks.get(stage); block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                String name = "stage" + (stage + 2) + "_block" + (block + 1);
                last = block(graph, name, last, channels, width, stride);
                channels = depth.outputs(width);
            }
        }
        return graph
                .layer("avgpool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .layer(ModelSpec.OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nOut(spec.outputs()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(),
                        "avgpool")
                .setOutputs(ModelSpec.OUTPUT)
                .setInputTypes(spec.inputType())
                .build();
    }

    private static String stem(ComputationGraphConfiguration.GraphBuilder graph, ModelSpec spec) {
        int width = spec.resNetWidth();
        graph.inputPreProcessor(convolution("stem"), spec.channelsLastInput());
        if (spec.stem() == Stem.SMALL) {
            return convBn(graph, "stem", ModelSpec.INPUT, width, 3, 1, true);
        }
        String conv = convBn(graph, "stem", ModelSpec.INPUT, width, 7, 2, true);
        graph.layer("stem_pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).build(), conv);
        return "stem_pool";
    }

    /** One residual block; returns the name of its output vertex. */
    private String block(ComputationGraphConfiguration.GraphBuilder graph, String name, String input, int inputs,
            int width, int stride) {
        String residual;
        if (depth.bottleneck) {
            String reduce = convBn(graph, name + "_a", input, width, 1, stride, true);
            String conv = convBn(graph, name + "_b", reduce, width, 3, 1, true);
            residual = convBn(graph, name + "_c", conv, depth.outputs(width), 1, 1, false);
        } else {
            String conv = convBn(graph, name + "_a", input, width, 3, stride, true);
            residual = convBn(graph, name + "_b", conv, width, 3, 1, false);
        }
        String shortcut = stride == 1 && inputs == depth.outputs(width) ? input
                : convBn(graph, name + "_projection", input, depth.outputs(width), 1, stride, false);
        graph.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), residual, shortcut);
        graph.layer(name, new ActivationLayer.Builder().activation(new FastReLU()).build(), name + "_add");
        return name;
    }

    /**
     * A {@code kernel x kernel} convolution padded to keep the size at stride 1, then batch
     * normalization and, if {@code relu}, a ReLU; returns the name of the last layer.
     */
    private static String convBn(ComputationGraphConfiguration.GraphBuilder graph, String name, String input,
            int outputs, int kernel, int stride, boolean relu) {
        graph.layer(convolution(name), new FastConvolution2D(new ConvolutionLayer.Builder(kernel, kernel)
                .stride(stride, stride).padding(kernel / 2, kernel / 2).nOut(outputs).hasBias(false)
                .activation(Activation.IDENTITY)), input);
        graph.layer(name + "_bn", new FusedBatchNormalization(), convolution(name));
        if (!relu) {
            return name + "_bn";
        }
        // A separate layer: DL4J's batch normalization ignores the activation it is configured with.
        graph.layer(name + "_relu", new ActivationLayer.Builder().activation(new FastReLU()).build(), name + "_bn");
        return name + "_relu";
    }

    private static String convolution(String name) {
        return name + "_conv";
    }
}
