package io.sparktrain.trainer.registry;

import java.io.IOException;

/** Another job holds the model's lease: the work was not started, nothing was written. */
public final class LockedException extends IOException {
    public LockedException(String lock, Lease.Holder holder) {
        super(lock + (holder == null ? " is held by another job" : " is held by " + holder.owner() + " on "
                + holder.host() + (holder.runId().isEmpty() ? "" : " (run " + holder.runId() + ")") + " since "
                + holder.acquired() + ", until " + holder.expires()));
    }
}
