package io.sparktrain.trainer.sync.allreduce;

import java.io.IOException;

/**
 * How the workers of a barrier stage combine one network's steps over their ring, and what they
 * count on the way: the examples and the example-weighted loss of every step, summed over the
 * workers.
 */
public interface StepExchange {
    /** Examples fitted by all workers so far. */
    long examples();

    /** The loss of every step so far, weighted by its examples and summed over the workers. */
    double lossSum();

    /** Called once on every worker after the stage's last step, before the network is returned. */
    default void finish() throws IOException {}
}
