package io.sparktrain.trainer.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exact comparison of ND4J arrays: type, shape and every bit of every element. ND4J's own
 * {@code equals} compares within a tolerance, which would hide the differences "exactly" rules out.
 */
public final class ExactArrays {
    private ExactArrays() {}

    public static void assertBitwiseEqual(INDArray expected, INDArray actual, String what) {
        assertEquals(expected.dataType(), actual.dataType(), what + ": data type");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] expectedValues = elements(expected);
        double[] actualValues = elements(actual);
        for (int i = 0; i < expectedValues.length; i++) {
            // Widening to double is exact and keeps the sign of zero, so equal bits here are equal
            // elements; NaN equals NaN only as a NaN of the same payload.
            if (Double.doubleToRawLongBits(expectedValues[i]) != Double.doubleToRawLongBits(actualValues[i])) {
                throw new AssertionError(String.format("%s: element %d of %d differs: expected %s, was %s", what,
                        i, expectedValues.length, expectedValues[i], actualValues[i]));
            }
        }
    }

    /** The elements in row-major order, read element by element whatever the array's layout. */
    private static double[] elements(INDArray array) {
        return array.dup('c').reshape(array.length()).toDoubleVector();
    }
}
