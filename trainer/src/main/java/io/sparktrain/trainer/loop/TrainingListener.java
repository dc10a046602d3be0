package io.sparktrain.trainer.loop;

import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** Observes training on the driver: progress display, metrics, checkpoints. */
public interface TrainingListener {
    default void onProgress(Progress progress) {}

    /** Called after each epoch's evaluation with the network as it stands. */
    default void onEpochEnd(EpochResult result, ComputationGraph network) throws IOException {}

    default void onTrainingEnd(TrainingSummary summary) throws IOException {}

    /** Called when a round ends with a loss that is not finite, before training stops with {@code divergence}. */
    default void onDiverged(TrainingDivergedException divergence) throws IOException {}
}
