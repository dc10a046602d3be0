package io.sparktrain.trainer.sync;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.sync.allreduce.Allreduce;
import io.sparktrain.trainer.sync.averaging.ParameterAveraging;
import io.sparktrain.trainer.sync.sharing.GradientSharing;
import io.sparktrain.trainer.sync.sharing.SharingNetwork;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the strategy named by {@code sync.strategy}, and checks before training that it can run. */
public final class SyncStrategies {
    private static final Logger log = LoggerFactory.getLogger(SyncStrategies.class);

    private SyncStrategies() {}

    public static SyncStrategy create(TrainConfig config, JavaSparkContext sc) {
        return create(config, sc, 1);
    }

    /**
     * For loops whose every minibatch is {@code fitsPerMinibatch} DL4J fits, as a GAN's
     * discriminator fits real images and fakes apart: parameter averaging waits for all the fits
     * of {@code sync.averaging-frequency} minibatches.
     */
    public static SyncStrategy create(TrainConfig config, JavaSparkContext sc, int fitsPerMinibatch) {
        TrainConfig.Sync sync = config.sync();
        int batchSizePerWorker = config.training().batchSizePerWorker();
        boolean local = sc.master().startsWith("local");
        return switch (sync.strategy()) {
            case ParameterAveraging.NAME -> new ParameterAveraging(
                    sync.workers() > 0 ? sync.workers() : sc.defaultParallelism(),
                    batchSizePerWorker, fitsPerMinibatch * sync.averagingFrequency(), sync.prefetchBatches(),
                    sync.averageUpdaterState(), config.data().shuffleSeed());
            case GradientSharing.NAME -> gradientSharing(config, sc, local, batchSizePerWorker);
            case Allreduce.NAME -> allreduce(sync, sc);
            default -> throw new IllegalArgumentException("sync.strategy = " + sync.strategy() + " is not implemented");
        };
    }

    private static Allreduce allreduce(TrainConfig.Sync sync, JavaSparkContext sc) {
        return new Allreduce(barrierWorkers(sync, sc), sync.allreduceStepsPerStage());
    }

    /**
     * The workers of a strategy that trains in barrier stages: {@code sync.workers}, or all task
     * slots. All of a barrier stage's tasks run at once, so Spark would wait for missing slots, then fail.
     */
    public static int barrierWorkers(TrainConfig.Sync sync, JavaSparkContext sc) {
        int slots = sc.defaultParallelism();
        if (sync.workers() > slots) {
            throw new InvalidConfigException(ConfigSchema.WORKERS.key() + " = " + sync.workers() + ": "
                    + sync.strategy() + " runs all its workers at once here, and " + sc.master() + " has " + slots
                    + " task slots; set at most " + slots + ", or 0 for all of them");
        }
        return sync.workers() > 0 ? sync.workers() : slots;
    }

    private static GradientSharing gradientSharing(TrainConfig config, JavaSparkContext sc, boolean local,
            int batchSizePerWorker) {
        TrainConfig.Sync sync = config.sync();
        // More than one replica in local mode is refused by the config loader.
        int workers = sync.workers() > 0 ? sync.workers() : local ? 1 : executorJvms(sc);
        SharingNetwork network = SharingNetwork.resolve(sync.sharing(), local, sc.getConf().get("spark.driver.host"));
        log.info("Gradient sharing: controller {}, network {}, UDP ports {}, {} worker(s)", network.controllerAddress(),
                network.networkMask(), network.ports(), workers);
        network.checkDriver(workers);
        if (!local) {
            network.checkExecutors(sc);
        }
        return new GradientSharing(workers, batchSizePerWorker, sync.prefetchBatches(), sync,
                network, local);
    }

    /** Executor JVMs: the configured instances, else the slots divided by the cores of one executor. */
    private static int executorJvms(JavaSparkContext sc) {
        int instances = sc.getConf().getInt("spark.executor.instances", 0);
        if (instances > 0) {
            return instances;
        }
        int cores = sc.getConf().getInt("spark.executor.cores", 0);
        // The driver counts itself among the block managers.
        return cores > 0 ? Math.max(1, sc.defaultParallelism() / cores)
                : Math.max(1, sc.sc().getExecutorMemoryStatus().size() - 1);
    }
}
