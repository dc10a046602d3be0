package io.sparktrain.trainer.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The quality figures on distributions whose values are known in closed form. */
class SampleQualityTest {
    @Test
    void theClassifierScoreRunsFromOneToTheNumberOfClasses() {
        INDArray confidentAndBalanced = Nd4j.eye(10).repeat(0, 3).castTo(DataType.FLOAT);
        assertEquals(10, SampleQuality.classifierScore(confidentAndBalanced), 1e-6);
        INDArray oneDigitOnly = Nd4j.zeros(DataType.FLOAT, 30, 10);
        oneDigitOnly.getColumn(7).assign(1);
        assertEquals(1, SampleQuality.classifierScore(oneDigitOnly), 1e-6, "a single repeated digit");
        INDArray undecided = Nd4j.ones(DataType.FLOAT, 30, 10).divi(10);
        assertEquals(1, SampleQuality.classifierScore(undecided), 1e-6, "noise no class claims");
        INDArray fiveClasses = Nd4j.eye(10).getRows(0, 1, 2, 3, 4).castTo(DataType.FLOAT);
        assertEquals(5, SampleQuality.classifierScore(fiveClasses), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> SampleQuality.classifierScore(Nd4j.ones(10)));
    }

    @Test
    void theFrechetDistanceOfGaussiansHasItsClosedForm() {
        // Diagonal covariances: |mu1 - mu2|^2 + sum (s1 + s2 - 2 sqrt(s1 s2)).
        INDArray mean1 = Nd4j.createFromArray(0.0, 1.0, 2.0);
        INDArray mean2 = Nd4j.createFromArray(1.0, 1.0, 0.0);
        INDArray covariance1 = Nd4j.diag(Nd4j.createFromArray(1.0, 4.0, 9.0));
        INDArray covariance2 = Nd4j.diag(Nd4j.createFromArray(4.0, 4.0, 1.0));
        double expected = 1 + 0 + 4 + (1 + 4 - 4) + (4 + 4 - 8) + (9 + 1 - 6);
        assertEquals(expected, SampleQuality.frechetDistance(mean1, covariance1, mean2, covariance2), 1e-9);
        // A rotated, correlated covariance against itself: 0.
        INDArray correlated = Nd4j.createFromArray(new double[][] {{2, 1, 0}, {1, 2, 1}, {0, 1, 2}});
        assertEquals(0, SampleQuality.frechetDistance(mean1, correlated, mean1, correlated), 1e-9);
        INDArray root = SampleQuality.symmetricSqrt(correlated);
        assertTrue(root.mmul(root).equalsWithEps(correlated, 1e-9), root.toString());
    }

    @Test
    void samplesFromOneDistributionAreCloseAndFromAnotherFar() {
        Random random = new Random(5);
        INDArray a = gaussian(random, 4000, 0);
        INDArray b = gaussian(random, 4000, 0);
        INDArray shifted = gaussian(random, 4000, 2);
        double same = SampleQuality.frechetDistance(a, b);
        double apart = SampleQuality.frechetDistance(a, shifted);
        assertTrue(same < 0.05, "same distribution: " + same);
        assertEquals(4 * 4, apart, 0.5, "a shift of 2 in each of 4 features");
        assertThrows(IllegalArgumentException.class, () -> SampleQuality.frechetDistance(a, Nd4j.ones(5, 3)));
    }

    private static INDArray gaussian(Random random, int rows, double shift) {
        double[][] values = new double[rows][4];
        for (double[] row : values) {
            for (int j = 0; j < row.length; j++) {
                row[j] = shift + random.nextGaussian();
            }
        }
        return Nd4j.createFromArray(values);
    }
}
