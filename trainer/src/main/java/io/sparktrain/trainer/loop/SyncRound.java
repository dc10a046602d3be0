package io.sparktrain.trainer.loop;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.sync.SyncStrategy;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;

/**
 * Fits one synchronization round: one Spark job over shard paths cut into one partition per
 * worker, with the counters DL4J gets wrong put right and a time limit, so that no round can hang
 * a job.
 */
public final class SyncRound {
    private final JavaSparkContext sc;
    private final int timeoutMinutes;

    /** @param timeoutMinutes {@code training.round-timeout-minutes}; 0 waits forever */
    public SyncRound(JavaSparkContext sc, int timeoutMinutes) {
        this.sc = sc;
        this.timeoutMinutes = timeoutMinutes;
    }

    /** Fits {@code paths}, read by {@code loader}, as round {@code round} of epoch {@code epoch}. */
    public void fit(SparkComputationGraph sparkNet, SyncStrategy sync, List<String> paths, DataSetLoader loader,
            int epoch, int round) {
        int partitions = Math.min(sync.workers(), paths.size());
        JavaRDD<String> rdd = sc.parallelize(paths, partitions);
        int iterations = sparkNet.getNetwork().getIterationCount();
        // DL4J counts every fitPaths call as an epoch; workers read this count for learning-rate
        // schedules, so each round must start from the epochs really completed.
        sparkNet.getNetwork().getConfiguration().setEpochCount(epoch - 1);
        sync.beforeRound(sparkNet.getNetwork());
        fitWithTimeout(sparkNet, rdd, loader, epoch, round);
        // DL4J persists the paths and never releases them.
        rdd.unpersist(false);
        // DL4J advances the count by the averaging frequency even for a short last round; Adam's
        // bias correction reads it, so it must be the minibatches each worker really fitted.
        sparkNet.getNetwork().getConfiguration()
                .setIterationCount(iterations + (paths.size() + partitions - 1) / partitions);
        sync.afterRound(sparkNet.getNetwork(), round, paths.size());
    }

    /**
     * A round that outlives the time limit is cancelled (its tasks interrupted) and fails with the
     * setting to change, instead of hanging the job.
     */
    private void fitWithTimeout(SparkComputationGraph sparkNet, JavaRDD<String> rdd, DataSetLoader loader, int epoch,
            int round) {
        if (timeoutMinutes == 0) {
            sparkNet.fitPaths(rdd, loader);
            return;
        }
        String group = "sparktrain-round-" + UUID.randomUUID();
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "round-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        sc.setJobGroup(group, "epoch " + epoch + ", round " + round, true);
        ScheduledFuture<?> alarm = watchdog.schedule(() -> {
            timedOut.set(true);
            sc.cancelJobGroup(group);
        }, timeoutMinutes, TimeUnit.MINUTES);
        try {
            sparkNet.fitPaths(rdd, loader);
        } catch (RuntimeException e) {
            if (timedOut.get()) {
                throw new IllegalStateException("epoch " + epoch + ", round " + round + " ran longer than "
                        + ConfigSchema.ROUND_TIMEOUT.key() + " = " + timeoutMinutes + " and was cancelled", e);
            }
            throw e;
        } finally {
            alarm.cancel(false);
            watchdog.shutdownNow();
            sc.clearJobGroup();
        }
    }
}
