package io.sparktrain.trainer.sync.allreduce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AllreduceAssignmentTest {

    @Test
    void minibatchesGoToTheWorkersInTurnAndTheLastStepIsPaddedFromTheStart() {
        assertEquals(List.of(List.of("a", "c"), List.of("b", "d")),
                BarrierStages.assign(List.of("a", "b", "c", "d"), 2));
        assertEquals(List.of(List.of("a", "c", "e"), List.of("b", "d", "a")),
                BarrierStages.assign(List.of("a", "b", "c", "d", "e"), 2));
        assertEquals(List.of(List.of("a", "d"), List.of("b", "a"), List.of("c", "b")),
                BarrierStages.assign(List.of("a", "b", "c", "d"), 3));
    }

    @Test
    void aStageRunsOnNoMoreWorkersThanItHasMinibatchesOrSparkHasTaskSlots() {
        assertEquals(2, BarrierStages.ranks(4, 2, 8), "no more workers than minibatches");
        assertEquals(1, BarrierStages.ranks(2, 100, 1), "one slot left after losing an executor");
        assertEquals(2, BarrierStages.ranks(2, 100, 0),
                "before any executor has registered, Spark waits for the slots");
        assertEquals(1, BarrierStages.ranks(2, 0, 2));
    }

    @Test
    void theRingSendsTwiceItsShareOfTheGradientAndTheTwoCounts() {
        assertEquals(0, Allreduce.ringBytesPerStep(1000, 1));
        assertEquals(2.0 * 4 * 1002 / 2, Allreduce.ringBytesPerStep(1000, 2));
        assertEquals(2.0 * 4 * 1002 * 3 / 4, Allreduce.ringBytesPerStep(1000, 4));
    }
}
