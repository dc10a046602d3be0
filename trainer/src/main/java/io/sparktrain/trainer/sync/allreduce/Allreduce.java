package io.sparktrain.trainer.sync.allreduce;

import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.Traffic;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingMaster;

/**
 * Synchronous data parallelism as PyTorch's DistributedDataParallel does it: the workers' gradients
 * are summed at every step over a ring among the executors, in Spark barrier stages of
 * {@code sync.allreduce.steps-per-stage} steps; see {@link AllreduceTrainingMaster}.
 */
public final class Allreduce implements SyncStrategy {
    public static final String NAME = "allreduce";

    private final int workers;
    private final int stepsPerStage;
    private long steps;
    private double bytesPerStep = Double.NaN;

    public Allreduce(int workers, int stepsPerStage) {
        if (workers < 1) {
            throw new IllegalArgumentException("allreduce needs at least one worker, got " + workers);
        }
        this.workers = workers;
        this.stepsPerStage = stepsPerStage;
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
        return workers * stepsPerStage;
    }

    @Override
    public TrainingMaster<?, ?> trainingMaster() {
        return new AllreduceTrainingMaster(workers);
    }

    /** A stage run again on fewer workers after losing one takes more steps. */
    @Override
    public boolean countsIterations() {
        return true;
    }

    @Override
    public void afterRound(ComputationGraph network, RoundPlace round, long workerSteps) {
        steps += workerSteps;
        bytesPerStep = ringBytesPerStep(network.params().length(), workers);
    }

    /** What a ring allreduce sends per worker and step: two passes of (n - 1) / n of the float32 gradient. */
    static double ringBytesPerStep(long parameters, int workers) {
        return 2.0 * Float.BYTES * (parameters + 2) * (workers - 1) / workers;
    }

    @Override
    public Traffic takeTraffic() {
        Traffic traffic = new Traffic(steps, bytesPerStep, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        steps = 0;
        return traffic;
    }
}
