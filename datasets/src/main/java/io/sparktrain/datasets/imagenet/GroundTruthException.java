package io.sparktrain.datasets.imagenet;

import java.io.IOException;
import java.nio.file.Path;

/** A ground-truth file that cannot label the images beside it; the message names file and line. */
public final class GroundTruthException extends IOException {
    GroundTruthException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
    }

    GroundTruthException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
