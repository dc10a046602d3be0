package io.sparktrain.datasets.idx;

import java.io.IOException;
import java.nio.file.Path;

/** An IDX file that is not what its name promises; the message names the file and what was expected. */
public final class IdxFormatException extends IOException {
    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
