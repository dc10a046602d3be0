package io.sparktrain.trainer.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class GatesTest {
    private static final Gates BOTH = new Gates(OptionalDouble.of(0.9), OptionalDouble.of(-0.002));

    @Test
    void bothThresholdsMustPassAndEachGivesItsReason() {
        Gates.Decision better = BOTH.judge(0.95, OptionalDouble.of(0.94));
        assertTrue(better.blessed());
        assertEquals(List.of("accuracy 0.9500 >= 0.9", "accuracy 0.9500 - champion's 0.9400 = +0.0100 >= -0.002"),
                better.reasons());

        assertTrue(BOTH.judge(0.939, OptionalDouble.of(0.94)).blessed(), "worse by 0.001 is allowed");
        Gates.Decision worse = BOTH.judge(0.93, OptionalDouble.of(0.94));
        assertFalse(worse.blessed());
        assertEquals("accuracy 0.9300 - champion's 0.9400 = -0.0100 < -0.002", worse.reasons().get(1));
        assertFalse(BOTH.judge(0.85, OptionalDouble.of(0.5)).blessed(), "the value threshold holds on its own");
    }

    @Test
    void withoutAChampionOnlyValueThresholdsApply() {
        assertTrue(BOTH.judge(0.91, OptionalDouble.empty()).blessed());
        assertFalse(BOTH.judge(0.89, OptionalDouble.empty()).blessed());
        Gates changeOnly = new Gates(OptionalDouble.empty(), OptionalDouble.of(0));
        assertEquals(List.of("no champion: the change threshold does not apply"),
                changeOnly.judge(0.5, OptionalDouble.empty()).reasons());
    }
}
