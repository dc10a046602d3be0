package io.sparktrain.trainer.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Comparison of ND4J arrays computed two ways that sum in different orders (oneDNN against DL4J's
 * Java or generic path): the norm of the difference, in double, against the norm of the expected.
 */
public final class CloseArrays {
    private CloseArrays() {}

    public static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        INDArray exact = expected.castTo(DataType.DOUBLE);
        double error = exact.sub(actual.castTo(DataType.DOUBLE)).norm2Number().doubleValue();
        double scale = exact.norm2Number().doubleValue();
        assertTrue(error <= relative * scale, what + ": relative error " + error / scale + ", allowed " + relative);
    }
}
