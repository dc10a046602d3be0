package io.sparktrain.trainer.sync;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingMaster;

/**
 * How worker replicas are kept in sync. Each strategy lives in its own package and is chosen by
 * {@code sync.strategy}; the training loop sees only this interface.
 */
public interface SyncStrategy {
    /** The config name of the strategy. */
    String name();

    /** Replicas trained in parallel. */
    int workers();

    /** Minibatches consumed by all workers between two synchronizations; fits are cut at multiples of it. */
    int batchesPerRound();

    /** A DL4J training master implementing the strategy, for a Spark network wrapper; one per training run. */
    TrainingMaster<?, ?> trainingMaster();

    /**
     * Whether its training master leaves the driver's iteration count at the steps its workers
     * really took; DL4J's masters do not, and the training loop corrects theirs.
     */
    default boolean countsIterations() {
        return false;
    }

    /**
     * Minibatches from which batch normalization's running statistics must be re-estimated before
     * the network is evaluated, because this strategy's training leaves them stale; 0 if it keeps them.
     */
    default int staleStatisticsBatches() {
        return 0;
    }

    /** Called before each round (one Spark job) of the run's training master. */
    default void beforeRound(ComputationGraph network) {}

    /**
     * Called after each round with the driver's network; throws to stop training when the round
     * shows that synchronization failed.
     *
     * @param workerSteps minibatches fitted in the round, summed over workers
     */
    void afterRound(ComputationGraph network, RoundPlace round, long workerSteps);

    /** The traffic since the last call. */
    Traffic takeTraffic();
}
