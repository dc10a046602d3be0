package io.sparktrain.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class MlpTest {
    static ModelSpec spec(String settings, int inputs, int outputs) {
        return ModelSpec.of(ConfigLoader.parse("model { architecture = mlp, " + settings + " }", "test", List.of())
                .model(), 1, 1, inputs, outputs);
    }

    static ComputationGraph mlp(String settings, int inputs, int outputs) {
        return spec(settings, inputs, outputs).newNetwork("mlp");
    }

    @Test
    void withoutHiddenLayersItIsALinearModel() {
        ComputationGraph net = mlp("output-activation = identity, loss = mse", 2, 1);
        assertEquals(1, net.getLayers().length);
        assertEquals(3, net.numParams());
        INDArray x = Nd4j.create(new float[][] {{1, 1}, {2, 2}});
        INDArray w = net.getParam("output_W");
        double b = net.getParam("output_b").getDouble(0);
        assertEquals(w.getDouble(0) + w.getDouble(1) + b, net.outputSingle(x).getDouble(0), 1e-6);
    }

    @Test
    void theHandSetXorNetworkComputesXor() {
        // The course's weights for a 2-2-1 sigmoid network: hidden units NAND-like and OR-like, output AND of them.
        ComputationGraph net = mlp("hidden-layers = [2], activation = sigmoid, output-activation = sigmoid, "
                + "loss = binary-cross-entropy", 2, 1);
        net.setParam("dense1_W", Nd4j.create(new float[][] {{5, -7}, {5, -7}}));
        net.setParam("dense1_b", Nd4j.create(new float[][] {{-8, 3}}));
        net.setParam("output_W", Nd4j.create(new float[][] {{-11}, {-11}}));
        net.setParam("output_b", Nd4j.create(new float[][] {{6}}));
        INDArray out = net.outputSingle(Nd4j.create(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}));
        double[] outputs = out.toDoubleVector();
        double[] rounded = new double[4];
        for (int i = 0; i < 4; i++) {
            rounded[i] = Math.round(outputs[i]);
            assertTrue(Math.abs(outputs[i] - rounded[i]) < 0.05, "output " + i + " = " + outputs[i]);
        }
        assertArrayEquals(new double[] {0, 1, 1, 0}, rounded);
    }

    @Test
    void thePerceptronLossMakesGradientDescentRosenblattsRule() {
        ComputationGraph net = mlp("output-activation = identity, loss = perceptron, weight-init = zero, "
                + "updater = sgd, learning-rate = 1", 2, 1);
        DataSet positive = new DataSet(Nd4j.create(new float[][] {{2, 3}}), Nd4j.create(new float[][] {{1}}));
        net.fit(positive); // on the boundary: a mistake, so w += x, b += 1
        assertArrayEquals(new double[] {2, 3, 1}, net.params().toDoubleVector(), 1e-6);
        assertEquals(1, net.score(), "the loss is the fraction of mistakes");
        net.fit(positive); // now right: no update
        assertArrayEquals(new double[] {2, 3, 1}, net.params().toDoubleVector(), 1e-6);
        assertEquals(0, net.score());
        net.fit(new DataSet(Nd4j.create(new float[][] {{1, 1}}), Nd4j.create(new float[][] {{0}})));
        assertArrayEquals(new double[] {1, 2, 0}, net.params().toDoubleVector(), 1e-6, "w -= x, b -= 1");
    }

    @Test
    void batchNormalizationAndDropoutSitWhereTheSettingsSay() {
        ComputationGraph net = mlp("hidden-layers = [8, 4], batch-norm = true, dropout = 0.2", 5, 3);
        List<String> names = net.getConfiguration().getTopologicalOrderStr();
        assertEquals(List.of("input", "dense1", "dense1_bn", "dense1_act", "dense2", "dense2_bn", "dense2_act",
                "output"), names);
        ComputationGraphConfiguration conf = net.getConfiguration();
        assertNull(layer(conf, "dense1").getIDropout(), "the input itself is not dropped");
        for (String afterHidden : List.of("dense2", "output")) {
            Dropout dropout = assertInstanceOf(Dropout.class, layer(conf, afterHidden).getIDropout());
            assertEquals(0.8, dropout.getP(), 1e-12, "DL4J keeps units with probability p");
        }
    }

    @Test
    void maxNormBoundsEachUnitsIncomingWeights() {
        ComputationGraph net = mlp("hidden-layers = [16], max-norm = 0.5, updater = sgd, learning-rate = 5", 10, 2);
        Nd4j.getRandom().setSeed(1);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 32, 2);
        labels.getColumn(0).assign(1);
        net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 32, 10).muli(10), labels));
        for (String weights : List.of("dense1_W", "output_W")) {
            INDArray norms = net.getParam(weights).norm2(0);
            assertEquals(net.getParam(weights).size(1), norms.length());
            assertTrue(norms.maxNumber().doubleValue() <= 0.5 + 1e-4, weights + " norms " + norms);
        }
    }

    @Test
    void normalInitDrawsWeightsAndBiasesFromAStandardNormal() {
        String normal = "hidden-layers = [400], weight-init = normal, bias-init = normal, output-activation = identity, "
                + "loss = mse";
        ComputationGraph net = mlp(normal, 500, 1);
        INDArray weights = net.getParam("dense1_W");
        assertEquals(0, weights.meanNumber().doubleValue(), 0.01);
        assertEquals(1, weights.stdNumber().doubleValue(), 0.01);
        INDArray bias = net.getParam("dense1_b");
        assertEquals(1, bias.stdNumber().doubleValue(), 0.15);
        assertEquals(bias, mlp(normal, 500, 1).getParam("dense1_b"), "seeded");
        assertEquals(0, mlp("hidden-layers = [400]", 500, 2).getParam("dense1_b").sumNumber().doubleValue());
        assertNotEquals(0, net.getParam("output_b").getDouble(0));
    }

    private static BaseLayer layer(ComputationGraphConfiguration conf, String name) {
        return (BaseLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) conf.getVertices().get(name))
                .getLayerConf().getLayer();
    }
}
