package io.sparktrain.trainer.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        byte[] expectedBytes = bytes(expected);
        byte[] actualBytes = bytes(actual);
        int width = expected.dataType().width();
        for (int i = 0; i < expectedBytes.length; i++) {
            if (expectedBytes[i] != actualBytes[i]) {
                long element = i / width;
                throw new AssertionError(String.format("%s: element %d of %d differs: expected %s, was %s", what,
                        element, expected.length(), expected.reshape(-1).getDouble(element),
                        actual.reshape(-1).getDouble(element)));
            }
        }
    }

    /** The elements' bytes in row-major order, whatever the array's own order or offset. */
    private static byte[] bytes(INDArray array) {
        ByteBuffer buffer = array.dup('c').data().asNio().order(ByteOrder.nativeOrder());
        byte[] bytes = new byte[(int) (array.length() * array.dataType().width())];
        buffer.get(bytes);
        return bytes;
    }
}
