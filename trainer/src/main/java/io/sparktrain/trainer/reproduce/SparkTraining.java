package io.sparktrain.trainer.reproduce;

import io.sparktrain.trainer.config.TrainConfig;
import java.io.IOException;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Trains an example on a Spark dataset (MNIST and the like) as the train job does, data sharded and
 * run recorded. The jobs module provides it: preparing a dataset is a job's work.
 */
@FunctionalInterface
public interface SparkTraining {
    Trained train(TrainConfig config) throws IOException;

    /** The network after its last epoch, every epoch's mean training loss and test accuracy, and the run's directory. */
    record Trained(ComputationGraph network, double[] epochLosses, double[] testAccuracies, String runDirectory) {}
}
