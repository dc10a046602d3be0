package io.sparktrain.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EarlyStoppingTest {
    @Test
    void stopsAfterPatienceEpochsWithoutAnImprovementAboveMinDelta() {
        EarlyStopping stopping = new EarlyStopping(2, 0.01);
        assertFalse(stopping.record(0.50), "the first epoch sets the best");
        assertFalse(stopping.record(0.505), "0.005 is not more than 0.01: one epoch without improvement");
        assertFalse(stopping.record(0.52), "0.02 better than the best: the count starts again");
        assertFalse(stopping.record(0.52));
        assertTrue(stopping.record(0.525), "two epochs without beating 0.52 by more than 0.01");
        assertTrue(stopping.reason().contains("training.early-stopping-patience = 2"), stopping.reason());
    }

    @Test
    void patienceZeroNeverStops() {
        EarlyStopping never = new EarlyStopping(0, 0);
        for (int epoch = 0; epoch < 10; epoch++) {
            assertFalse(never.record(0.5));
        }
    }
}
