package io.sparktrain.datasets.imagenet;

import java.io.Serializable;

/**
 * A file that was not exported, and why: not an image, no label, or unreadable.
 *
 * @param file the path below the directory that was scanned, as a person would look for it
 */
public record FileProblem(String file, String reason) implements Serializable {
    @Override
    public String toString() {
        return file + ": " + reason;
    }
}
