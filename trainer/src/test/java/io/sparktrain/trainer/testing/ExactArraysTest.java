package io.sparktrain.trainer.testing;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The exact comparison sees what ND4J's equals forgives, and nothing else. */
class ExactArraysTest {
    @Test
    void oneUlpAndTheSignOfZeroDifferWhileEqualViewsDoNot() {
        INDArray values = Nd4j.createFromArray(1f, 0f, 3f, 4f);
        INDArray nextUp = values.dup();
        nextUp.putScalar(2, Math.nextUp(3f));
        assertTrue(values.equals(nextUp), "ND4J's equals forgives one ulp");
        String message = assertThrows(AssertionError.class, () -> assertBitwiseEqual(values, nextUp, "ulp"))
                .getMessage();
        assertTrue(message.contains("element 2 of 4"), message);
        INDArray negativeZero = values.dup();
        negativeZero.putScalar(1, -0f);
        assertThrows(AssertionError.class, () -> assertBitwiseEqual(values, negativeZero, "zero"));

        INDArray matrix = Nd4j.rand(DataType.FLOAT, 4, 6);
        INDArray column = matrix.get(NDArrayIndex.all(), NDArrayIndex.point(3));
        assertBitwiseEqual(column.dup(), column, "a strided view and its copy");
        assertBitwiseEqual(matrix.dup('f'), matrix, "the same elements in either order");
    }
}
