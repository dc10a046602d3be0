package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.SyncStrategy;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
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

    /**
     * Fits {@code paths}, read by {@code loader}, as the round at {@code place}; its Spark jobs are
     * described by the place, {@code network} when given ("discriminator") and the strategy, e.g.
     * "epoch 3/5, round 12/188, parameter averaging".
     */
    public void fit(SparkComputationGraph sparkNet, SyncStrategy sync, List<String> paths, DataSetLoader loader,
            RoundPlace place, String network) {
        int partitions = Math.min(sync.workers(), paths.size());
        JavaRDD<String> rdd = sc.parallelize(paths, partitions);
        int iterations = sparkNet.getNetwork().getIterationCount();
        // DL4J counts every fitPaths call as an epoch; workers read this count for learning-rate
        // schedules, so each round must start from the epochs really completed.
        sparkNet.getNetwork().getConfiguration().setEpochCount(place.epoch() - 1);
        sync.beforeRound(sparkNet.getNetwork());
        run(place, network, sync.name(), () -> {
            sparkNet.fitPaths(rdd, loader);
            return null;
        });
        // DL4J persists the paths and never releases them.
        rdd.unpersist(false);
        // DL4J advances the count by the averaging frequency even for a short last round; Adam's
        // bias correction reads it, so it must be the minibatches each worker really fitted.
        if (!sync.countsIterations()) {
            sparkNet.getNetwork().getConfiguration()
                    .setIterationCount(iterations + (paths.size() + partitions - 1) / partitions);
        }
        sync.afterRound(sparkNet.getNetwork(), place, paths.size());
    }

    /**
     * Runs {@code jobs}, the Spark jobs of the round at {@code place} under {@code strategy} (its
     * config name), described as {@link #fit} describes them, and returns what they return. A round
     * that outlives the time limit is cancelled (its tasks interrupted) and fails with the setting
     * to change, instead of hanging the job.
     */
    public <T> T run(RoundPlace place, String network, String strategy, Supplier<T> jobs) {
        String description = place + (network.isEmpty() ? "" : ", " + network) + ", " + strategy.replace('-', ' ');
        // A group of the round's own, so that a timeout cancels its jobs and no other's.
        String group = "epoch-" + place.epoch() + "-round-" + place.round() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        Supplier<T> named = () -> SparkJobs.named(sc, group, description, jobs::get);
        if (timeoutMinutes == 0) {
            return named.get();
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "round-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        ScheduledFuture<?> alarm = watchdog.schedule(() -> {
            timedOut.set(true);
            sc.cancelJobGroup(group);
        }, timeoutMinutes, TimeUnit.MINUTES);
        try {
            return named.get();
        } catch (RuntimeException e) {
            if (timedOut.get()) {
                throw new IllegalStateException(description + " ran longer than " + ConfigSchema.ROUND_TIMEOUT.key()
                        + " = " + timeoutMinutes + " and was cancelled", e);
            }
            throw e;
        } finally {
            alarm.cancel(false);
            watchdog.shutdownNow();
        }
    }
}
