package io.sparktrain.trainer.sync;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What synchronization sent over the network during an epoch, per worker minibatch step. Every
 * strategy counts what one worker sends (it receives about as much): the way back from the driver
 * under averaging, or the other half of the ring's exchange, is not added.
 *
 * @param workerSteps minibatches fitted, summed over workers
 * @param bytesPerStep bytes each worker sent per step (measured for gradient sharing, computed for
 *     parameter averaging and allreduce)
 * @param averagingBytesPerStep what parameter averaging at the configured frequency sends per worker
 *     step: float32 parameters (and updater state, if averaged) to the driver once per round
 * @param meanThreshold mean encoding threshold; NaN for parameter averaging
 * @param meanSparsity mean fraction of components sent in threshold-encoded steps; NaN when none
 * @param denseFraction fraction of steps sent as a dense bitmap (2 bits per component); NaN for averaging
 */
public record Traffic(long workerSteps, double bytesPerStep, double averagingBytesPerStep, double meanThreshold,
        double meanSparsity, double denseFraction) {

    /** Bytes a worker sends per step under parameter averaging of this network. */
    public static double averagingBytesPerStep(ComputationGraph network, boolean averageUpdaterState,
            int averagingFrequency) {
        INDArray updaterState = network.getUpdater().getStateViewArray();
        long floats = network.params().length()
                + (averageUpdaterState && updaterState != null ? updaterState.length() : 0);
        return (double) Float.BYTES * floats / averagingFrequency;
    }

    /** Traffic of parameter averaging, which sends the same amount every round. */
    public static Traffic averaging(long workerSteps, double averagingBytesPerStep) {
        return new Traffic(workerSteps, averagingBytesPerStep, averagingBytesPerStep, Double.NaN, Double.NaN,
                Double.NaN);
    }
}
