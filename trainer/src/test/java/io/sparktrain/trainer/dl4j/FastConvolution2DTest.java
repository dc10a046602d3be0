package io.sparktrain.trainer.dl4j;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.testing.RebuiltNetworks;
import io.sparktrain.trainer.testing.RestoresHelpersProperty;
import java.io.IOException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

@ExtendWith(RestoresHelpersProperty.class)
class FastConvolution2DTest {
    @BeforeEach
    void nativeOpsOn() {
        NativeLayerOps.enableInThisJvm();
    }

    /**
     * The same op with the same arguments as DL4J's oneDNN helper, minus a forward pass whose result
     * the identity's derivative ignores: the ResNet's shape (3x3, stride 1, explicit padding, no bias),
     * the DCGAN discriminator's (5x5, stride 2, "same", a bias), and both channels-last, where the
     * forward pass is the layer's own too.
     */
    @ParameterizedTest
    @CsvSource({"3, 1, Truncate, false, NCHW", "5, 2, Same, true, NCHW", "3, 1, Truncate, false, NHWC",
        "5, 2, Same, true, NHWC"})
    void trainsAsDl4jsConvolutionBitForBit(int kernel, int stride, ConvolutionMode mode, boolean bias,
            CNN2DFormat format) {
        ComputationGraph dl4j = network(false, kernel, stride, mode, bias, format, Activation.IDENTITY);
        ComputationGraph fast = network(true, kernel, stride, mode, bias, format, Activation.IDENTITY);
        fast.setParams(dl4j.params().dup());
        DataSet batch = batch(format);
        fast.getLayer("conv").setInput(batch.getFeatures(), LayerWorkspaceMgr.noWorkspaces());
        assertTrue(convolution(fast).skipsForwardPass(Nd4j.create(DataType.FLOAT, 1)), "the identity's layer");
        assertBitwiseEqual(dl4j.outputSingle(true, batch.getFeatures()), fast.outputSingle(true, batch.getFeatures()),
                "output");

        Pair<Gradient, INDArray> expected = backward(dl4j, batch.getFeatures(), format);
        Pair<Gradient, INDArray> actual = backward(fast, batch.getFeatures(), format);
        assertBitwiseEqual(expected.getSecond(), actual.getSecond(), "gradient to the layer below");
        assertEquals(expected.getFirst().gradientForVariable().keySet(),
                actual.getFirst().gradientForVariable().keySet(), "parameters with gradients");
        for (String parameter : expected.getFirst().gradientForVariable().keySet()) {
            assertBitwiseEqual(expected.getFirst().getGradientFor(parameter),
                    actual.getFirst().getGradientFor(parameter), parameter + " gradient");
        }
        for (int step = 0; step < 3; step++) {
            dl4j.fit(batch);
            fast.fit(batch);
        }
        assertBitwiseEqual(dl4j.params(), fast.params(), "parameters after three Adam steps");
        assertEquals(dl4j.score(), fast.score(), 0, "loss");
    }

    /** Activations whose derivative reads the layer's output, and helpers switched off, keep DL4J's backward pass. */
    @ParameterizedTest
    @CsvSource({"RELU, false", "IDENTITY, true"})
    void dl4jsBackwardPassWhereItNeedsTheForwardPassOrHasNoHelper(Activation activation, boolean helpersOff) {
        if (helpersOff) {
            System.setProperty(NativeLayerOps.DISABLE_PROPERTY, "true");
        }
        ComputationGraph dl4j = network(false, 3, 1, ConvolutionMode.Truncate, true, CNN2DFormat.NCHW, activation);
        ComputationGraph fast = network(true, 3, 1, ConvolutionMode.Truncate, true, CNN2DFormat.NCHW, activation);
        fast.setParams(dl4j.params().dup());
        INDArray features = batch(CNN2DFormat.NCHW).getFeatures();
        fast.getLayer("conv").setInput(features, LayerWorkspaceMgr.noWorkspaces());
        assertFalse(convolution(fast).skipsForwardPass(Nd4j.create(DataType.FLOAT, 1)));
        assertBitwiseEqual(backward(dl4j, features, CNN2DFormat.NCHW).getSecond(),
                backward(fast, features, CNN2DFormat.NCHW).getSecond(), "gradient to the layer below");
    }

    /** DL4J's Spark workers and every checkpoint rebuild the layer from JSON. */
    @ParameterizedTest
    @CsvSource({"NCHW", "NHWC"})
    void survivesJsonAndCheckpoints(CNN2DFormat format) throws IOException {
        ComputationGraph fast = network(true, 5, 2, ConvolutionMode.Same, true, format, Activation.IDENTITY);
        assertInstanceOf(FastConvolution2D.Layer2D.class,
                RebuiltNetworks.fromJson(fast, FastConvolution2D.class).getLayer("conv"));
        ComputationGraph restored = RebuiltNetworks.fromCheckpoint(fast);
        assertInstanceOf(FastConvolution2D.Layer2D.class, restored.getLayer("conv"));
        INDArray features = batch(format).getFeatures();
        assertBitwiseEqual(fast.outputSingle(false, features), restored.outputSingle(false, features), "output");
    }

    /** The layer reaches into DL4J's convolution layer and its oneDNN helper; a new DL4J version must be checked. */
    @Test
    void dl4jIsTheVersionTheWorkaroundWasWrittenFor() {
        String jar = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class.getProtectionDomain()
                .getCodeSource().getLocation().getPath();
        assertTrue(jar.endsWith("deeplearning4j-nn-1.0.0-M2.1.jar"), "DL4J changed (" + jar + "): check that "
                + "ConvolutionLayer's backward pass still computes its output again and that MKLDNNConvHelper "
                + "still runs conv2d_bp with the arguments FastConvolution2D passes, then update this test");
    }

    /** The layer's forward and backward pass alone, for an output gradient of the output's shape. */
    private static Pair<Gradient, INDArray> backward(ComputationGraph network, INDArray features, CNN2DFormat format) {
        network.initGradientsView();
        Layer layer = network.getLayer("conv");
        INDArray output = layer.activate(features, true, LayerWorkspaceMgr.noWorkspaces());
        Nd4j.getRandom().setSeed(23);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, output.shape());
        Pair<Gradient, INDArray> backward = layer.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces());
        Gradient gradient = backward.getFirst();
        gradient.gradientForVariable().replaceAll((name, array) -> array.dup());
        return new Pair<>(gradient, backward.getSecond().dup());
    }

    private static FastConvolution2D.Layer2D convolution(ComputationGraph network) {
        return (FastConvolution2D.Layer2D) network.getLayer("conv");
    }

    /** 3 maps of 10x10 to 4 maps, then a dense output of 5 values. */
    private static ComputationGraph network(boolean fast, int kernel, int stride, ConvolutionMode mode, boolean bias,
            CNN2DFormat format, Activation activation) {
        ConvolutionLayer.Builder builder = new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride)
                .convolutionMode(mode).hasBias(bias).dataFormat(format).nOut(4).activation(activation);
        if (mode != ConvolutionMode.Same) {
            builder.padding(kernel / 2, kernel / 2);
        }
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(0.01))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(10, 10, 3, format))
                .addLayer("conv", fast ? new FastConvolution2D(builder) : builder.build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(5)
                        .activation(Activation.IDENTITY).build(), "conv")
                .setOutputs("out").build();
        ComputationGraph network = new ComputationGraph(conf);
        network.init();
        return network;
    }

    private static DataSet batch(CNN2DFormat format) {
        Nd4j.getRandom().setSeed(17);
        long[] shape = format == CNN2DFormat.NCHW ? new long[] {8, 3, 10, 10} : new long[] {8, 10, 10, 3};
        return new DataSet(Nd4j.randn(DataType.FLOAT, shape), Nd4j.randn(DataType.FLOAT, 8, 5));
    }
}
