package io.sparktrain.trainer.dl4j;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FastReLUTest {
    /**
     * DL4J's ReLU passes the gradient where the input is above zero and writes 0 elsewhere; the
     * step function times the gradient writes -0.0 where that gradient is negative, which compares
     * equal and adds up the same.
     */
    @Test
    void givesDl4jsReluGradientAndActivation() {
        Nd4j.getRandom().setSeed(3);
        INDArray in = Nd4j.randn(DataType.FLOAT, 8, 3, 5, 5);
        in.putScalar(0, 0.0f);
        in.putScalar(1, -0.0f);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, 8, 3, 5, 5);
        float[] expected = new ActivationReLU().backprop(in.dup(), epsilon).getFirst().reshape(in.length())
                .toFloatVector();
        float[] actual = new FastReLU().backprop(in.dup(), epsilon).getFirst().reshape(in.length())
                .toFloatVector();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i] == 0 ? 0f : expected[i], actual[i] == 0 ? 0f : actual[i], 0f, "element " + i);
        }
        assertBitwiseEqual(new ActivationReLU().getActivation(in.dup(), true),
                new FastReLU().getActivation(in.dup(), true), "activation");
    }
}
