package io.sparktrain.trainer.gan;

import java.io.IOException;

/** Observes GAN training on the driver: metrics, samples, checkpoints. */
public interface GanListener {
    /** Called after each epoch with the networks as they stand. */
    void onEpochEnd(GanEpoch epoch, GanNetworks networks) throws IOException;
}
