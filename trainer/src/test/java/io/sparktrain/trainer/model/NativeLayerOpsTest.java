package io.sparktrain.trainer.model;

import static io.sparktrain.trainer.testing.CloseArrays.assertClose;
import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.testing.RestoresHelpersProperty;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

@ExtendWith(RestoresHelpersProperty.class)
class NativeLayerOpsTest {
    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet18"})
    void everyConvolutionPoolingAndNormalizationLayerRunsNativeOps(String architecture) {
        System.clearProperty(NativeLayerOps.DISABLE_PROPERTY);
        ComputationGraph net = network(architecture);
        assertEquals("false", System.getProperty(NativeLayerOps.DISABLE_PROPERTY));
        int accelerated = 0;
        for (Layer layer : net.getLayers()) {
            if (hasNativeHelper(layer)) {
                assertNotNull(layer.getHelper(), architecture + " " + layer.conf().getLayer().getLayerName());
                accelerated++;
            }
        }
        assertTrue(accelerated >= 4, architecture + ": " + accelerated + " layers");
    }

    @Test
    void aPropertySetByTheUserWins() {
        System.setProperty(NativeLayerOps.DISABLE_PROPERTY, "true");
        ComputationGraph net = network("lenet");
        assertNull(firstConvolution(net).getHelper());
        assertEquals("-Dx=1 -D" + NativeLayerOps.DISABLE_PROPERTY + "=true", NativeLayerOps.withExecutorSetting("-Dx=1"));
        String own = "-D" + NativeLayerOps.DISABLE_PROPERTY + "=false";
        assertEquals(own, NativeLayerOps.withExecutorSetting(own));
    }

    /**
     * The native ops must train the same network DL4J's Java path trains: same outputs, gradients,
     * and after a few Adam steps the same parameters, batch normalization's running statistics
     * included. They add up in a different order in float32, so they are held to what such
     * rounding does to the Java path itself: the change a random 1e-6 perturbation of the input
     * makes to its gradient and to its parameters after the same steps (for the ResNet at its
     * initialization about 3e-3, ReLUs sitting near zero after batch normalization; for LeNet far
     * below the 1e-4 floor).
     */
    @ParameterizedTest
    @ValueSource(strings = {"lenet", "resnet18"})
    void nativeOpsTrainLikeDl4jsJavaPath(String architecture) {
        System.setProperty(NativeLayerOps.DISABLE_PROPERTY, "true");
        ComputationGraph java = network(architecture);
        ComputationGraph perturbed = network(architecture);
        System.setProperty(NativeLayerOps.DISABLE_PROPERTY, "false");
        ComputationGraph nativeOps = network(architecture);
        assertNull(firstConvolution(java).getHelper());
        assertNotNull(firstConvolution(nativeOps).getHelper());
        assertBitwiseEqual(java.params(), nativeOps.params(), "initial parameters");

        Nd4j.getRandom().setSeed(7);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 16, 10);
        for (int i = 0; i < 16; i++) {
            labels.putScalar(i, i % 10, 1);
        }
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 16, 784), labels);
        DataSet nudged = new DataSet(batch.getFeatures().add(Nd4j.randn(DataType.FLOAT, 16, 784).muli(1e-6)), labels);
        assertClose(java.outputSingle(false, batch.getFeatures()), nativeOps.outputSingle(false, batch.getFeatures()),
                1e-5, architecture + " inference output");

        INDArray javaGradient = gradient(java, batch);
        INDArray nativeGradient = gradient(nativeOps, batch);
        double gradientRounding = relativeError(javaGradient, gradient(perturbed, nudged));
        assertEquals(java.score(), nativeOps.score(), 1e-5 * Math.abs(java.score()), architecture + " loss");
        assertClose(javaGradient, nativeGradient, Math.max(1e-4, 3 * gradientRounding), architecture + " gradient");

        for (int step = 0; step < 3; step++) {
            java.fit(batch);
            perturbed.fit(nudged);
            nativeOps.fit(batch);
        }
        double parameterRounding = relativeError(java.params(), perturbed.params());
        assertClose(java.params(), nativeOps.params(), Math.max(1e-4, 3 * parameterRounding),
                architecture + " parameters after 3 steps");
    }

    private static INDArray gradient(ComputationGraph network, DataSet batch) {
        network.setInputs(batch.getFeatures());
        network.setLabels(batch.getLabels());
        network.computeGradientAndScore();
        return network.gradient().gradient().dup();
    }

    private static ComputationGraph network(String architecture) {
        return ModelSpec.of(ConfigLoader.parse("model { seed = 3, width = 8 }", "test", List.of()).model(), 1, 28, 28,
                10).newNetwork(architecture);
    }

    private static Layer firstConvolution(ComputationGraph net) {
        return Arrays.stream(net.getLayers()).filter(ConvolutionLayer.class::isInstance).findFirst().orElseThrow();
    }

    private static boolean hasNativeHelper(Layer layer) {
        return layer instanceof ConvolutionLayer || layer instanceof SubsamplingLayer
                || layer instanceof BatchNormalization;
    }


    private static double relativeError(INDArray expected, INDArray actual) {
        return expected.sub(actual).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }
}
