package io.sparktrain.trainer.gan;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The two figures by which generated images are judged, computed from a classifier's view of
 * them: the classifier score (the Inception Score of Salimans et al., 2016, with a digit
 * classifier in place of Inception) and the Fréchet distance between feature distributions (the
 * FID of Heusel et al., 2017, with the classifier's penultimate layer as features).
 */
public final class SampleQuality {
    /** Keeps log(0) out of the score when a classifier is certain. */
    private static final double EPSILON = 1e-12;

    private SampleQuality() {}

    /**
     * exp(mean over images of KL(p(y|x) || p(y))), from one row of class probabilities per image:
     * 1 when every image looks alike or none looks like any class, the number of classes when each
     * image is one class for certain and the classes are equally common.
     */
    public static double classifierScore(INDArray probabilities) {
        if (probabilities.rank() != 2 || probabilities.size(0) < 1) {
            throw new IllegalArgumentException("expected one row of class probabilities per image, got shape "
                    + Arrays.toString(probabilities.shape()));
        }
        INDArray p = probabilities.castTo(DataType.DOUBLE);
        INDArray marginal = p.mean(0);
        INDArray logP = Transforms.log(p.add(EPSILON), false);
        INDArray logMarginal = Transforms.log(marginal.add(EPSILON), false);
        INDArray divergence = p.mul(logP.subRowVector(logMarginal)).sum(1);
        return Math.exp(divergence.meanNumber().doubleValue());
    }

    /**
     * The Fréchet distance between Gaussians fitted to two sets of feature rows:
     * |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).
     */
    public static double frechetDistance(INDArray features1, INDArray features2) {
        INDArray a = features1.castTo(DataType.DOUBLE);
        INDArray b = features2.castTo(DataType.DOUBLE);
        if (a.rank() != 2 || b.rank() != 2 || a.size(1) != b.size(1) || a.size(0) < 2 || b.size(0) < 2) {
            throw new IllegalArgumentException("expected two sets of at least 2 feature rows of one width, got shapes "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
        return frechetDistance(a.mean(0), covariance(a), b.mean(0), covariance(b));
    }

    /** The same from the two Gaussians' means and covariance matrices. */
    public static double frechetDistance(INDArray mean1, INDArray covariance1, INDArray mean2, INDArray covariance2) {
        double meanTerm = Transforms.pow(mean1.sub(mean2), 2, false).sumNumber().doubleValue();
        // Tr((S1 S2)^(1/2)) = Tr((S1^(1/2) S2 S1^(1/2))^(1/2)): the eigenvalues of a symmetric
        // positive semi-definite matrix, square-rooted and summed.
        INDArray root1 = symmetricSqrt(covariance1);
        INDArray inner = root1.mmul(covariance2).mmul(root1);
        inner = inner.add(inner.transpose()).divi(2);
        double crossTrace = 0;
        for (double eigenvalue : Eigen.symmetricGeneralizedEigenvalues(inner.dup('f'), false).toDoubleVector()) {
            crossTrace += Math.sqrt(Math.max(0, eigenvalue));
        }
        return meanTerm + trace(covariance1) + trace(covariance2) - 2 * crossTrace;
    }

    /** The symmetric square root of a symmetric positive semi-definite matrix. */
    static INDArray symmetricSqrt(INDArray matrix) {
        INDArray vectors = matrix.castTo(DataType.DOUBLE).dup('f');
        INDArray values = Eigen.symmetricGeneralizedEigenvalues(vectors, true);
        INDArray roots = Transforms.sqrt(Transforms.max(values, 0.0, false), false);
        return vectors.mulRowVector(roots).mmul(vectors.transpose());
    }

    /** The unbiased sample covariance of feature rows. */
    static INDArray covariance(INDArray rows) {
        INDArray centred = rows.subRowVector(rows.mean(0));
        return centred.transpose().mmul(centred).divi(rows.size(0) - 1);
    }

    private static double trace(INDArray matrix) {
        double sum = 0;
        for (int i = 0; i < matrix.rows(); i++) {
            sum += matrix.getDouble(i, i);
        }
        return sum;
    }
}
