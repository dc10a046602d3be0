package io.sparktrain.trainer.gan;

import io.sparktrain.trainer.loop.TrainingDivergedException;
import java.io.IOException;

/** Observes GAN training on the driver: metrics, samples, checkpoints. */
public interface GanListener {
    /** Called after each epoch with the networks as they stand. */
    void onEpochEnd(GanEpoch epoch, GanNetworks networks) throws IOException;

    /** Called once the last epoch has ended and been reported. */
    default void onTrainingEnd() throws IOException {}

    /** Called when a round ends with a loss that is not finite, before training stops with {@code divergence}. */
    default void onDiverged(TrainingDivergedException divergence) throws IOException {}
}
