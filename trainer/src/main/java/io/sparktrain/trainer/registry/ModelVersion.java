package io.sparktrain.trainer.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What {@code version.json} records of one version: where it came from (the run, its epoch, the
 * version it was warm-started from, a fingerprint of the data it saw), how it was judged, and
 * whether it was blessed. A version, once in place, is never changed.
 *
 * @param warmStartedFrom the version whose parameters training started from, or null
 * @param evaluation figures on the holdout, e.g. {@code accuracy}; empty when it was registered
 *     without one
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ModelVersion(String model, int version, String runId, int epoch, Integer warmStartedFrom,
        String dataFingerprint, String createdAt, Map<String, Object> evaluation, boolean blessed,
        List<String> reasons) {
    public ModelVersion {
        evaluation = Map.copyOf(evaluation);
        reasons = List.copyOf(reasons);
    }

    public String reference() {
        return model + "@" + version;
    }
}
