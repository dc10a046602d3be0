package io.sparktrain.trainer.sync;

/** A synchronization strategy cannot train this network correctly and refuses before training it. */
public final class UnsupportedNetworkException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public UnsupportedNetworkException(String message) {
        super(message);
    }
}
