package io.sparktrain.datasets.storage;

import java.io.IOException;

/** A file whose content no longer has the SHA-256 recorded beside it, or that has no record to check. */
public final class ChecksumMismatchException extends IOException {
    public ChecksumMismatchException(String message) {
        super(message);
    }
}
