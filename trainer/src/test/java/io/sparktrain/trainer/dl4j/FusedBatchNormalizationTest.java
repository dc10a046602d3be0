package io.sparktrain.trainer.dl4j;

import static io.sparktrain.trainer.testing.CloseArrays.assertClose;
import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.testing.RebuiltNetworks;
import io.sparktrain.trainer.testing.RestoresHelpersProperty;
import java.io.IOException;
import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

@ExtendWith(RestoresHelpersProperty.class)
class FusedBatchNormalizationTest {
    /**
     * Against DL4J's own Java path: outputs in training and inference mode, loss, every gradient
     * (gamma and beta included) and, after three Adam steps, every parameter and running statistic.
     * Both sum in float32 in different orders, hence the tolerances.
     */
    @ParameterizedTest
    @ValueSource(strings = {"convolution", "dense"})
    void trainsLikeDl4jsJavaPath(String input) {
        ComputationGraph java = network(input, true);
        ComputationGraph fused = network(input, false);
        assertNull(normalization(java).getHelper());
        assertInstanceOf(FusedBatchNormHelper.class, normalization(fused).getHelper());

        DataSet batch = batch(input.equals("convolution") ? new long[] {16, 3, 9, 9} : new long[] {16, 20});
        assertClose(java.outputSingle(true, batch.getFeatures()), fused.outputSingle(true, batch.getFeatures()),
                1e-5, input + " training-mode output");
        for (ComputationGraph net : new ComputationGraph[] {java, fused}) {
            net.setInputs(batch.getFeatures());
            net.setLabels(batch.getLabels());
            net.computeGradientAndScore();
        }
        assertEquals(java.score(), fused.score(), 1e-5 * Math.abs(java.score()), input + " loss");
        assertClose(java.gradient().gradient(), fused.gradient().gradient(), 1e-4, input + " gradient");
        for (int step = 0; step < 3; step++) {
            java.fit(batch);
            fused.fit(batch);
        }
        assertClose(java.params(), fused.params(), 1e-4, input + " parameters and running statistics");
        assertClose(java.outputSingle(false, batch.getFeatures()), fused.outputSingle(false, batch.getFeatures()),
                1e-4, input + " inference output");
    }

    /** E[x²] - E[x]² cancels badly in float32 when the mean is large; the helper sums in double. */
    @Test
    void batchVarianceStaysAccurateFarFromZero() {
        ComputationGraph fused = network("dense", false);
        Nd4j.getRandom().setSeed(11);
        INDArray features = Nd4j.randn(DataType.FLOAT, 256, 20).addi(1000);
        fused.feedForward(features, true);
        INDArray batchVariance = ((FusedBatchNormHelper) normalization(fused).getHelper())
                .getVarCache(DataType.FLOAT);
        INDArray dense = fused.getLayer("dense").activate(features, false, LayerWorkspaceMgr.noWorkspaces());
        INDArray expected = dense.castTo(DataType.DOUBLE).var(false, 0);
        assertClose(expected.castTo(DataType.FLOAT), batchVariance, 1e-4, "batch variance around 1000");
    }

    /** Spark's workers and the driver may run with different thread counts; equivalence needs the same bits. */
    @Test
    void resultDoesNotDependOnTheNumberOfThreads() {
        DataSet batch = batch(new long[] {16, 3, 9, 9});
        int threads = Nd4j.getEnvironment().maxMasterThreads();
        INDArray[] gradients = new INDArray[2];
        try {
            for (int i = 0; i < 2; i++) {
                Nd4j.getEnvironment().setMaxMasterThreads(i == 0 ? 1 : 4);
                ComputationGraph fused = network("convolution", false);
                fused.setInputs(batch.getFeatures());
                fused.setLabels(batch.getLabels());
                fused.computeGradientAndScore();
                gradients[i] = fused.gradient().gradient().dup();
            }
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
        }
        assertBitwiseEqual(gradients[0], gradients[1], "gradient with 1 and with 4 threads");
    }

    /**
     * Channels-last activations give the channels-first bits, outputs and gradients alike: each
     * channel's values are summed in the same order. Six channels take the loop for channels left
     * over after groups of four, eight do not.
     */
    @ParameterizedTest
    @ValueSource(ints = {6, 8})
    void channelsLastGivesTheChannelsFirstBits(int channels) {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, channels, 7, 9).muli(3).addi(1);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 5, channels, 7, 9);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, channels).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, channels);
        INDArray[] outputs = new INDArray[2];
        Pair<Gradient, INDArray>[] gradients = new Pair[2];
        CNN2DFormat[] formats = {CNN2DFormat.NCHW, CNN2DFormat.NHWC};
        for (int i = 0; i < 2; i++) {
            boolean last = formats[i] == CNN2DFormat.NHWC;
            INDArray in = last ? x.permute(0, 2, 3, 1).dup() : x;
            INDArray eps = last ? dy.permute(0, 2, 3, 1).dup() : dy;
            FusedBatchNormHelper helper = new FusedBatchNormHelper();
            LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
            INDArray out = helper.preOutput(in, true, in.shape(), gamma, beta, null, null, 0.9, 1e-5, formats[i], none);
            outputs[i] = last ? out.permute(0, 3, 1, 2).dup() : out;
            Pair<Gradient, INDArray> backward = helper.backpropGradient(in, eps, in.shape(), gamma, beta,
                    Nd4j.create(DataType.FLOAT, 1, channels), Nd4j.create(DataType.FLOAT, 1, channels), 1e-5,
                    formats[i], none);
            gradients[i] = new Pair<>(backward.getFirst(),
                    last ? backward.getSecond().permute(0, 3, 1, 2).dup() : backward.getSecond());
        }
        assertBitwiseEqual(outputs[0], outputs[1], "output");
        assertBitwiseEqual(gradients[0].getSecond(), gradients[1].getSecond(), "input gradient");
        for (String parameter : new String[] {BatchNormalizationParamInitializer.GAMMA,
            BatchNormalizationParamInitializer.BETA}) {
            assertBitwiseEqual(gradients[0].getFirst().getGradientFor(parameter),
                    gradients[1].getFirst().getGradientFor(parameter), parameter + " gradient");
        }
    }

    @Test
    void dl4jsJavaPathWhenHelpersAreOff() {
        System.setProperty(NativeLayerOps.DISABLE_PROPERTY, "true");
        assertNull(normalization(network("convolution", true)).getHelper());
    }

    /** DL4J's Spark workers and every checkpoint rebuild the layer from JSON: the helper must come back. */
    @Test
    void survivesJsonAndCheckpoints() throws IOException {
        ComputationGraph fused = network("convolution", false);
        assertInstanceOf(FusedBatchNormHelper.class,
                normalization(RebuiltNetworks.fromJson(fused, FusedBatchNormalization.class)).getHelper());
        assertInstanceOf(FusedBatchNormHelper.class, normalization(RebuiltNetworks.fromCheckpoint(fused)).getHelper());
    }

    /** The workaround reaches into DL4J's layer; a new DL4J version must be checked against it. */
    @Test
    void dl4jIsTheVersionTheWorkaroundWasWrittenFor() {
        String jar = BatchNormalization.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        assertTrue(jar.endsWith("deeplearning4j-nn-1.0.0-M2.1.jar"), "DL4J changed (" + jar + "): check that "
                + "MKLDNNBatchNormHelper still computes the batch variance outside oneDNN and that "
                + "BatchNormalization.helper still exists, then update this test");
    }

    private static ComputationGraph network(String input, boolean javaPath) {
        System.setProperty(NativeLayerOps.DISABLE_PROPERTY, String.valueOf(javaPath));
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder().seed(5)
                .updater(new Adam(0.01)).dataType(DataType.FLOAT).graphBuilder().addInputs("in");
        if (input.equals("convolution")) {
            graph.layer("conv", new ConvolutionLayer.Builder(3, 3).nOut(6).hasBias(false)
                    .activation(Activation.IDENTITY).build(), "in")
                    .setInputTypes(InputType.convolutional(9, 9, 3));
        } else {
            graph.layer("dense", new DenseLayer.Builder().nOut(12).hasBias(false).activation(Activation.IDENTITY)
                    .build(), "in")
                    .setInputTypes(InputType.feedForward(20));
        }
        graph.layer("bn", new FusedBatchNormalization(), input.equals("convolution") ? "conv" : "dense")
                .layer("relu", new ActivationLayer.Builder().activation(new FastReLU()).build(), "bn")
                .layer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "relu")
                .setOutputs("out");
        ComputationGraph network = new ComputationGraph(graph.build());
        network.init();
        return network;
    }

    private static Layer normalization(ComputationGraph network) {
        return Arrays.stream(network.getLayers()).filter(BatchNormalization.class::isInstance).findFirst()
                .orElseThrow();
    }

    private static DataSet batch(long[] shape) {
        Nd4j.getRandom().setSeed(7);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, shape[0], 4);
        for (int i = 0; i < shape[0]; i++) {
            labels.putScalar(i, i % 4, 1);
        }
        return new DataSet(Nd4j.randn(DataType.FLOAT, shape).muli(2).addi(0.5), labels);
    }

}
