package io.sparktrain.trainer.loop;

import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** Observes training on the driver: progress display, metrics, checkpoints. */
public interface TrainingListener {
    default void onProgress(Progress progress) {}

    /** Called after each epoch's evaluation with the network as it stands. */
    default void onEpochEnd(EpochResult result, ComputationGraph network) throws IOException {}

    default void onTrainingEnd(TrainingSummary summary) throws IOException {}
}
