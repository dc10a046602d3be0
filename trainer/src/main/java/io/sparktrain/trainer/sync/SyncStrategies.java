package io.sparktrain.trainer.sync;

import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.sync.averaging.ParameterAveraging;

/** Chooses the strategy named by {@code sync.strategy}. */
public final class SyncStrategies {
    private SyncStrategies() {}

    /** @param defaultWorkers used when {@code sync.workers} is 0: Spark's default parallelism */
    public static SyncStrategy create(TrainConfig config, int defaultWorkers) {
        TrainConfig.Sync sync = config.sync();
        int workers = sync.workers() > 0 ? sync.workers() : defaultWorkers;
        return switch (sync.strategy()) {
            case ParameterAveraging.NAME -> new ParameterAveraging(workers, config.training().batchSizePerWorker(),
                    sync.averagingFrequency(), sync.prefetchBatches(), sync.averageUpdaterState(),
                    config.data().shuffleSeed());
            default -> throw new IllegalArgumentException("sync.strategy = " + sync.strategy() + " is not implemented");
        };
    }
}
