package io.sparktrain.trainer.sync.sharing;

import java.io.Serializable;

/**
 * Running totals of one JVM's threshold encoding in one session. Cumulative, so that the driver can
 * take differences between rounds however often DL4J reports the same JVM.
 *
 * @param steps encodings performed
 * @param thresholdSum sum of the thresholds used
 * @param outcomes steps whose encoded size is known (DL4J reveals it one step late)
 * @param denseOutcomes of those, steps sent as a dense bitmap
 * @param sparsitySum sum of the sent fractions of the sparse steps
 * @param bytes bytes of all known encoded messages
 */
public record EncodingTotals(long steps, double thresholdSum, long outcomes, long denseOutcomes, double sparsitySum,
        double bytes) implements Serializable {
    public static final EncodingTotals NONE = new EncodingTotals(0, 0, 0, 0, 0, 0);

    /** DL4J's bitmap encoding: two bits per component plus a five-int header. */
    static double denseBytes(long components) {
        return Integer.BYTES * (components / 16 + 5.0);
    }

    /**
     * Adds one step. DL4J reports the previous step's outcome: whether it was dense and, if sparse,
     * its encoded length (header included) over the number of components.
     */
    EncodingTotals plus(double threshold, Boolean lastWasDense, Double lastSparsity, long components) {
        if (lastWasDense == null) {
            return new EncodingTotals(steps + 1, thresholdSum + threshold, outcomes, denseOutcomes, sparsitySum, bytes);
        }
        if (lastWasDense) {
            return new EncodingTotals(steps + 1, thresholdSum + threshold, outcomes + 1, denseOutcomes + 1,
                    sparsitySum, bytes + denseBytes(components));
        }
        double sparsity = lastSparsity == null ? 0 : lastSparsity;
        return new EncodingTotals(steps + 1, thresholdSum + threshold, outcomes + 1, denseOutcomes,
                sparsitySum + sparsity, bytes + Integer.BYTES * sparsity * components);
    }

    EncodingTotals minus(EncodingTotals earlier) {
        return new EncodingTotals(steps - earlier.steps, thresholdSum - earlier.thresholdSum,
                outcomes - earlier.outcomes, denseOutcomes - earlier.denseOutcomes, sparsitySum - earlier.sparsitySum,
                bytes - earlier.bytes);
    }

    EncodingTotals add(EncodingTotals other) {
        return new EncodingTotals(steps + other.steps, thresholdSum + other.thresholdSum, outcomes + other.outcomes,
                denseOutcomes + other.denseOutcomes, sparsitySum + other.sparsitySum, bytes + other.bytes);
    }
}
