package io.sparktrain.trainer.scoring;

import java.io.IOException;
import java.util.List;

/** More rows of an input could not be read than the allowed fraction: bad data, nothing written. */
public final class UnreadableRowsException extends IOException {
    public UnreadableRowsException(String input, long unreadable, long rows, double allowed, List<String> ids) {
        super(String.format(java.util.Locale.ROOT, "%s: %d of %d rows cannot be read (%.4f%%), more than the "
                + "allowed fraction %s; the first have ids %s", input, unreadable, rows,
                100.0 * unreadable / Math.max(1, rows), allowed, ids));
    }
}
