package io.sparktrain.trainer.runs;

import java.util.Optional;

/** Which run to continue, and after which epoch's checkpoint (by default its last). */
public record Resume(String runId, Optional<Integer> fromEpoch) {
    public static Resume last(String runId) {
        return new Resume(runId, Optional.empty());
    }
}
