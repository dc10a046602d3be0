package io.sparktrain.trainer.spark;

/** The cluster manager never admitted the application: it is unreachable, or it refused the job's credentials. */
public final class ClusterRefusedException extends RuntimeException {
    public ClusterRefusedException(String message) {
        super(message);
    }
}
