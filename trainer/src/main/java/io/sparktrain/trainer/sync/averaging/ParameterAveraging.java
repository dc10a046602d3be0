package io.sparktrain.trainer.sync.averaging;

import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.Traffic;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * Synchronous parameter averaging: every worker fits {@code averagingFrequency} minibatches from
 * the same starting parameters, then the driver averages parameters (and, unless disabled, the
 * updater state) and broadcasts the result. Wraps DL4J's {@link ParameterAveragingTrainingMaster}
 * through {@link CountKeepingTrainingMaster}.
 */
public final class ParameterAveraging implements SyncStrategy {
    public static final String NAME = "parameter-averaging";

    private final int workers;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int prefetchBatches;
    private final boolean averageUpdaterState;
    private final long seed;
    private long steps;
    private double bytesPerStep = Double.NaN;

    public ParameterAveraging(int workers, int batchSizePerWorker, int averagingFrequency, int prefetchBatches,
            boolean averageUpdaterState, long seed) {
        if (workers < 1) {
            throw new IllegalArgumentException("parameter averaging needs at least one worker, got " + workers);
        }
        this.workers = workers;
        this.batchSizePerWorker = batchSizePerWorker;
        this.averagingFrequency = averagingFrequency;
        this.prefetchBatches = prefetchBatches;
        this.averageUpdaterState = averageUpdaterState;
        this.seed = seed;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public int batchesPerRound() {
        return workers * averagingFrequency;
    }

    @Override
    public TrainingMaster<?, ?> trainingMaster() {
        return new CountKeepingTrainingMaster(new ParameterAveragingTrainingMaster.Builder(workers, batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(prefetchBatches)
                // DL4J's builder leaves this off although its documentation says otherwise.
                .saveUpdater(averageUpdaterState)
                // The loop hands over one averaging round per fit, already split into one
                // partition per worker: DL4J's reshuffle would only lose the batch order.
                .repartionData(Repartition.NumPartitionsWorkersDiffers)
                .rngSeed(seed));
    }

    @Override
    public void afterRound(ComputationGraph network, RoundPlace round, long workerSteps) {
        steps += workerSteps;
        bytesPerStep = Traffic.averagingBytesPerStep(network, averageUpdaterState, averagingFrequency);
    }

    @Override
    public Traffic takeTraffic() {
        Traffic traffic = Traffic.averaging(steps, bytesPerStep);
        steps = 0;
        return traffic;
    }
}
