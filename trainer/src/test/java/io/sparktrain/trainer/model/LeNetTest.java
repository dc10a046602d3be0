package io.sparktrain.trainer.model;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LeNetTest {
    static ComputationGraph lenet(long seed) {
        TrainConfig.Model model = ConfigLoader.parse("model.seed = " + seed, "test", List.of()).model();
        return ModelSpec.of(model, 1, 28, 28, 10).newNetwork("lenet");
    }

    @Test
    void layerShapesAndParameterCountMatchLeNet() {
        ComputationGraph net = lenet(1);
        // conv 5x5x1->20: 500 + 20; conv 5x5x20->50: 25,000 + 50; dense 4*4*50->500: 400,000 + 500;
        // softmax 500->10: 5,000 + 10.
        assertEquals(520, net.getLayer("conv1").numParams());
        assertEquals(25_050, net.getLayer("conv2").numParams());
        assertEquals(400_500, net.getLayer("dense").numParams());
        assertEquals(5_010, net.getLayer(ModelSpec.OUTPUT).numParams());
        assertEquals(431_080, net.numParams());

        INDArray out = net.outputSingle(Nd4j.rand(3, 784));
        assertArrayEquals(new long[] {3, 10}, out.shape());
        assertArrayEquals(new double[] {1, 1, 1}, out.sum(1).toDoubleVector(), 1e-5);

        Map<String, INDArray> activations = net.feedForward(Nd4j.rand(2, 784), false);
        assertArrayEquals(new long[] {2, 20, 24, 24}, activations.get("conv1").shape());
        assertArrayEquals(new long[] {2, 20, 12, 12}, activations.get("pool1").shape());
        assertArrayEquals(new long[] {2, 50, 8, 8}, activations.get("conv2").shape());
        assertArrayEquals(new long[] {2, 50, 4, 4}, activations.get("pool2").shape());
        assertArrayEquals(new long[] {2, 500}, activations.get("dense").shape());
    }

    @Test
    void seedDeterminesInitialParameters() {
        assertBitwiseEqual(lenet(7).params(), lenet(7).params(), "initial parameters of one seed");
        assertNotEquals(lenet(7).params(), lenet(8).params());
    }
}
