package io.sparktrain.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ResNetTest {

    private static ComputationGraph resnet(String architecture, String stem, int size, int classes) {
        return resnet(architecture, stem, 64, size, classes);
    }

    private static ComputationGraph resnet(String architecture, String stem, int width, int size, int classes) {
        return ModelSpec.of(ConfigLoader.parse("model { seed = 1, stem = " + stem + ", width = " + width + " }", "test",
                List.of()).model(), 3, size, size, classes).newNetwork(architecture);
    }

    /** Parameters trained by gradient descent: DL4J also stores batch normalization's running statistics. */
    private static long trainableParameters(ComputationGraph net) {
        List<String> statistics = List.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
                BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
        return net.paramTable().entrySet().stream()
                .filter(e -> statistics.stream().noneMatch(s -> e.getKey().endsWith("_" + s)))
                .mapToLong(e -> e.getValue().length()).sum();
    }

    /**
     * The paper's parameter count, derived from its Table 1: bias-free convolutions, each followed by
     * batch normalization's scale and shift, 1x1 projection shortcuts where a stage changes the shape,
     * and a fully connected layer; {@code width} is 64 and the stem's kernel 7 in the paper.
     */
    private static long paperCount(int[] blocks, boolean bottleneck, int stemKernel, int base, int classes) {
        long count = conv(stemKernel, 3, base);
        int in = base;
        for (int stage = 0; stage < 4; stage++) {
            int width = base << stage;
            int out = bottleneck ? 4 * width : width;
            for (int block = 0; block < blocks[stage]; block++) {
                count += bottleneck ? conv(1, in, width) + conv(3, width, width) + conv(1, width, out)
                        : conv(3, in, width) + conv(3, width, width);
                if (in != out || (stage > 0 && block == 0)) {
                    count += conv(1, in, out);
                }
                in = out;
            }
        }
        return count + (long) in * classes + classes;
    }

    private static long conv(int kernel, int in, int out) {
        return (long) kernel * kernel * in * out + 2L * out;
    }

    @ParameterizedTest
    @CsvSource({"resnet18, 11689512", "resnet34, 21797672", "resnet50, 25557032"})
    void parameterCountsAreThePapersAt1000ClassesAnd224Pixels(String architecture, long published) {
        boolean bottleneck = architecture.equals("resnet50");
        int[] blocks = architecture.equals("resnet18") ? new int[] {2, 2, 2, 2} : new int[] {3, 4, 6, 3};
        // The derivation reproduces the commonly cited counts (11.7M, 21.8M, 25.6M)...
        assertEquals(published, paperCount(blocks, bottleneck, 7, 64, 1000));
        // ...and the network has exactly that many trainable parameters.
        ComputationGraph net = resnet(architecture, "imagenet", 224, 1000);
        assertEquals(published, trainableParameters(net));
    }

    @Test
    void widthScalesEveryStageAndTheSmallStem() {
        ComputationGraph net = resnet("resnet18", "small", 16, 28, 10);
        assertEquals(paperCount(new int[] {2, 2, 2, 2}, false, 3, 16, 10), trainableParameters(net));
        Map<String, INDArray> activations = net.feedForward(Nd4j.rand(1, 3 * 28 * 28), false);
        assertArrayEquals(new long[] {1, 28, 28, 16}, activations.get("stage2_block2").shape());
        assertArrayEquals(new long[] {1, 4, 4, 128}, activations.get("stage5_block2").shape());
    }

    @Test
    void imagenetStemHalvesTwiceAndEachLaterStageHalvesAgain() {
        ComputationGraph net = resnet("resnet18", "imagenet", 224, 1000);
        Map<String, INDArray> activations = net.feedForward(Nd4j.rand(1, 3 * 224 * 224), false);
        assertArrayEquals(new long[] {1, 112, 112, 64}, activations.get("stem_relu").shape());
        assertArrayEquals(new long[] {1, 56, 56, 64}, activations.get("stem_pool").shape());
        assertArrayEquals(new long[] {1, 56, 56, 64}, activations.get("stage2_block2").shape());
        assertArrayEquals(new long[] {1, 28, 28, 128}, activations.get("stage3_block2").shape());
        assertArrayEquals(new long[] {1, 14, 14, 256}, activations.get("stage4_block2").shape());
        assertArrayEquals(new long[] {1, 7, 7, 512}, activations.get("stage5_block2").shape());
        assertArrayEquals(new long[] {1, 1000}, activations.get(ModelSpec.OUTPUT).shape());
    }

    @Test
    void bottlenecksExpandFourTimesAndProjectWhereTheShapeChanges() {
        ComputationGraph net = resnet("resnet50", "small", 32, 10);
        // Stage 2's first block changes 64 channels to 256 at stride 1; stages 3-5 halve the size.
        List<String> projections = Arrays.stream(net.getVertices()).map(GraphVertex::getVertexName)
                .filter(n -> n.endsWith("_projection_conv")).sorted().toList();
        assertEquals(List.of("stage2_block1_projection_conv", "stage3_block1_projection_conv",
                "stage4_block1_projection_conv", "stage5_block1_projection_conv"), projections);
        ConvolutionLayer stage3Reduce = (ConvolutionLayer) net.getLayer("stage3_block1_a_conv").conf().getLayer();
        assertArrayEquals(new int[] {2, 2}, stage3Reduce.getStride(), "the paper downsamples in the first 1x1");
        assertArrayEquals(new int[] {1, 1}, stage3Reduce.getKernelSize());

        Map<String, INDArray> activations = net.feedForward(Nd4j.rand(2, 3 * 32 * 32), false);
        assertArrayEquals(new long[] {2, 32, 32, 256}, activations.get("stage2_block3").shape());
        assertArrayEquals(new long[] {2, 4, 4, 2048}, activations.get("stage5_block3").shape());
    }

    @Test
    void autoStemIsSmallUpTo64PixelsAndImagenetAbove() {
        assertEquals(ResNet.Stem.SMALL, ResNet.Stem.of("auto", 64, 80));
        assertEquals(ResNet.Stem.IMAGENET, ResNet.Stem.of("auto", 65, 65));
        ComputationGraph small = resnet("resnet18", "auto", 28, 10);
        assertTrue(small.getVertex("stem_pool") == null, "the small stem does not pool");
        ConvolutionLayer stem = (ConvolutionLayer) small.getLayer("stem_conv").conf().getLayer();
        assertArrayEquals(new int[] {3, 3}, stem.getKernelSize());
        assertArrayEquals(new int[] {1, 1}, stem.getStride());
    }

    /** Channels-last from the input on: no layer converts between layouts on the way. */
    @ParameterizedTest
    @CsvSource({"resnet18, imagenet", "resnet50, small"})
    void everyLayerRunsChannelsLast(String architecture, String stem) {
        ComputationGraph net = resnet(architecture, stem, 8, 64, 10);
        assertEquals(new ChannelsLastInput(64, 64, 3),
                ((LayerVertex) net.getConfiguration().getVertices().get("stem_conv")).getPreProcessor());
        for (GraphVertex vertex : net.getVertices()) {
            if (!vertex.hasLayer()) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer layer = vertex.getLayer().conf().getLayer();
            CNN2DFormat format = layer instanceof ConvolutionLayer conv ? conv.getCnn2dDataFormat()
                    : layer instanceof BatchNormalization bn ? bn.getCnn2DFormat()
                    : layer instanceof SubsamplingLayer pool ? pool.getCnn2dDataFormat()
                    : CNN2DFormat.NHWC;
            assertEquals(CNN2DFormat.NHWC, format, vertex.getVertexName());
        }
        int[] pooled = ((GlobalPoolingLayer) net.getLayer("avgpool").conf().getLayer()).getPoolingDimensions();
        assertArrayEquals(new int[] {1, 2}, pooled, "global pooling over height and width");
    }

    @Test
    void everyConvolutionIsBiasFreeAndFollowedByBatchNormalization() {
        ComputationGraph net = resnet("resnet34", "small", 32, 10);
        for (GraphVertex vertex : net.getVertices()) {
            if (vertex.hasLayer() && vertex.getLayer().conf().getLayer() instanceof ConvolutionLayer conv) {
                assertTrue(!conv.hasBias(), vertex.getVertexName());
                String bn = vertex.getVertexName().replace("_conv", "_bn");
                assertTrue(net.getLayer(bn).conf().getLayer() instanceof BatchNormalization, bn);
            }
        }
    }

    @Test
    void everyConfiguredArchitectureBuildsAndClassifies() {
        for (String architecture : ConfigSchema.ARCHITECTURES) {
            INDArray out = resnetOrLeNet(architecture).outputSingle(Nd4j.rand(2, 28 * 28));
            assertArrayEquals(new long[] {2, 10}, out.shape(), architecture);
            assertArrayEquals(new double[] {1, 1}, out.sum(1).toDoubleVector(), 1e-4, architecture);
        }
    }

    private static ComputationGraph resnetOrLeNet(String architecture) {
        return ModelSpec.of(ConfigLoader.parse("", "test", List.of()).model(), 1, 28, 28, 10).newNetwork(architecture);
    }

    @Test
    void smallResNetLearnsALearnableBatch() {
        // Images whose class is the brighter of two channels: a few Adam steps must fit them, and
        // the running statistics batch normalization uses at inference must have followed.
        ComputationGraph net = ModelSpec.of(ConfigLoader.parse("model { seed = 2, learning-rate = 0.001 }", "test",
                List.of()).model(), 2, 8, 8, 2).newNetwork("resnet18");
        Nd4j.getRandom().setSeed(4);
        int n = 32;
        INDArray features = Nd4j.rand(n, 2 * 8 * 8).muli(0.5);
        INDArray labels = Nd4j.zeros(n, 2);
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            features.get(NDArrayIndex.point(i), NDArrayIndex.interval(label * 64, label * 64 + 64)).addi(0.5);
            labels.putScalar(i, label, 1);
        }
        DataSet batch = new DataSet(features, labels);
        double before = net.score(batch, true);
        for (int step = 0; step < 30; step++) {
            net.fit(batch);
        }
        double after = net.score(batch, true);
        assertTrue(after < before / 4, "loss " + before + " -> " + after);
        assertEquals(labels.argMax(1), net.outputSingle(false, features).argMax(1));
    }
}
