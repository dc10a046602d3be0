package io.sparktrain.trainer.loop;

/**
 * Stops training once test accuracy has gone {@code patience} epochs without beating its best by
 * more than {@code minDelta}, as Keras's EarlyStopping does for a metric to maximize. A patience
 * of 0 never stops.
 */
final class EarlyStopping {
    private final int patience;
    private final double minDelta;
    private double best = Double.NEGATIVE_INFINITY;
    private int epochsWithoutImprovement;

    EarlyStopping(int patience, double minDelta) {
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /** Records an epoch's accuracy; true once training should stop. */
    boolean record(double accuracy) {
        if (accuracy - minDelta > best) {
            best = accuracy;
            epochsWithoutImprovement = 0;
        } else {
            epochsWithoutImprovement++;
        }
        return shouldStop();
    }

    boolean shouldStop() {
        return patience > 0 && epochsWithoutImprovement >= patience;
    }

    String reason() {
        return "test accuracy has not improved by more than " + minDelta + " on its best (" + best + ") for "
                + epochsWithoutImprovement + " epochs (training.early-stopping-patience = " + patience + ")";
    }
}
