package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.shards.ShardManifest.Shard;
import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.sync.SyncStrategy;
import java.io.IOException;
import java.util.ArrayList;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Epochs over exported shards. Each epoch visits the shards in a seeded order of its own and hands
 * DL4J one synchronization round at a time, already cut into one partition per worker: DL4J then
 * neither re-splits nor reshuffles, so runs are reproducible, a one-worker run fits exactly the
 * batches a single machine would, and progress is known after every round.
 */
public final class TrainingLoop {
    private static final Logger log = LoggerFactory.getLogger(TrainingLoop.class);

    private final JavaSparkContext sc;
    private final SyncStrategy sync;
    private final int epochs;
    private final int maxBatchesPerEpoch;
    private final int reportEveryBatches;
    private final int roundTimeoutMinutes;
    private final int earlyStoppingPatience;
    private final double earlyStoppingMinDelta;
    private final long shuffleSeed;
    private final List<TrainingListener> listeners;

    public TrainingLoop(JavaSparkContext sc, SyncStrategy sync, TrainConfig.Training training, long shuffleSeed,
            List<TrainingListener> listeners) {
        this.sc = sc;
        this.sync = sync;
        this.epochs = training.epochs();
        this.maxBatchesPerEpoch = training.maxBatchesPerEpoch();
        this.reportEveryBatches = training.reportEveryBatches();
        this.roundTimeoutMinutes = training.roundTimeoutMinutes();
        this.earlyStoppingPatience = training.earlyStoppingPatience();
        this.earlyStoppingMinDelta = training.earlyStoppingMinDelta();
        this.shuffleSeed = shuffleSeed;
        this.listeners = List.copyOf(listeners);
    }

    /** Trains epochs {@code completedEpochs + 1 .. epochs} on shards used as stored; returns the trained network. */
    public ComputationGraph fit(ComputationGraph network, int completedEpochs, ShardSet train, ShardSet test)
            throws IOException {
        return fit(network, completedEpochs, train, test, ShardLoaders.asStored());
    }

    /** Trains epochs {@code completedEpochs + 1 .. epochs}, reading shards through {@code loaders}. */
    public ComputationGraph fit(ComputationGraph network, int completedEpochs, ShardSet train, ShardSet test,
            ShardLoaders loaders) throws IOException {
        return fit(network, completedEpochs, train, test, loaders, List.of());
    }

    /**
     * Trains epochs {@code completedEpochs + 1 .. epochs}, or fewer if early stopping says so;
     * {@code earlierAccuracies} are the test accuracies of the completed epochs, in order, so that
     * the best epoch and early stopping see the whole run.
     */
    public ComputationGraph fit(ComputationGraph network, int completedEpochs, ShardSet train, ShardSet test,
            ShardLoaders loaders, List<Double> earlierAccuracies) throws IOException {
        EarlyStopping stopping = new EarlyStopping(earlyStoppingPatience, earlyStoppingMinDelta);
        double bestAccuracy = -1;
        int bestEpoch = 0;
        for (int i = 0; i < earlierAccuracies.size(); i++) {
            stopping.record(earlierAccuracies.get(i));
            if (earlierAccuracies.get(i) > bestAccuracy) {
                bestAccuracy = earlierAccuracies.get(i);
                bestEpoch = i + 1;
            }
        }
        if (stopping.shouldStop()) {
            log.info("Not training: the run already stopped early, {}", stopping.reason());
            return network;
        }
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, network, sync.trainingMaster());
        long examples = 0;
        double seconds = 0;
        double finalAccuracy = Double.NaN;
        int lastEpoch = completedEpochs;
        for (int epoch = completedEpochs + 1; epoch <= epochs && !stopping.shouldStop(); epoch++) {
            List<Shard> order = EpochOrder.of(train.manifest().shards(), epoch, shuffleSeed, maxBatchesPerEpoch);
            Phase training = fitEpoch(sparkNet, train, order, epoch, loaders.training(epoch));
            long evalStart = System.nanoTime();
            Evaluation evaluation = evaluate(sparkNet, test, loaders.evaluation());
            EpochResult result = new EpochResult(epoch, epochs, training.loss(), training.examples(),
                    training.seconds(), (System.nanoTime() - evalStart) / 1e9, evaluation, sync.takeTraffic());
            sparkNet.getNetwork().getConfiguration().setEpochCount(epoch);
            for (TrainingListener listener : listeners) {
                listener.onEpochEnd(result, sparkNet.getNetwork());
            }
            examples += result.trainExamples();
            seconds += result.trainSeconds();
            finalAccuracy = result.evaluation().accuracy();
            lastEpoch = epoch;
            if (finalAccuracy > bestAccuracy) {
                bestAccuracy = finalAccuracy;
                bestEpoch = epoch;
            }
            if (stopping.record(finalAccuracy) && epoch < epochs) {
                log.info("Stopping early after epoch {} of {}: {}", epoch, epochs, stopping.reason());
            }
        }
        TrainingSummary summary = new TrainingSummary(sync.name(), sync.workers(), completedEpochs + 1, lastEpoch,
                examples, seconds, finalAccuracy, bestAccuracy, bestEpoch);
        for (TrainingListener listener : listeners) {
            listener.onTrainingEnd(summary);
        }
        return sparkNet.getNetwork();
    }

    /** What fitting one epoch produced: the example-weighted mean of the round losses, examples and time. */
    private record Phase(double loss, long examples, double seconds) {}

    private Phase fitEpoch(SparkComputationGraph sparkNet, ShardSet train, List<Shard> order, int epoch,
            DataSetLoader loader) {
        int perRound = sync.batchesPerRound();
        int reportEvery = Math.max(perRound, reportEveryBatches / perRound * perRound);
        long start = System.nanoTime();
        long examples = 0;
        double weightedLoss = 0;
        int nextReport = reportEvery;
        int roundNumber = 0;
        for (int from = 0; from < order.size(); from += perRound) {
            roundNumber++;
            List<Shard> round = order.subList(from, Math.min(order.size(), from + perRound));
            List<String> paths = new ArrayList<>(round.size());
            long roundExamples = 0;
            for (Shard shard : round) {
                paths.add(train.uriOf(shard).toString());
                roundExamples += shard.examples();
            }
            int partitions = Math.min(sync.workers(), paths.size());
            JavaRDD<String> rdd = sc.parallelize(paths, partitions);
            int iterations = sparkNet.getNetwork().getIterationCount();
            // DL4J counts every fitPaths call as an epoch; workers read this count for learning-rate
            // schedules, so each round must start from the epochs really completed.
            sparkNet.getNetwork().getConfiguration().setEpochCount(epoch - 1);
            sync.beforeRound(sparkNet.getNetwork());
            fitWithTimeout(sparkNet, rdd, loader, epoch, roundNumber);
            // DL4J persists the paths and never releases them.
            rdd.unpersist(false);
            // DL4J advances the count by the averaging frequency even for a short last round; Adam's
            // bias correction reads it, so it must be the minibatches each worker really fitted.
            sparkNet.getNetwork().getConfiguration()
                    .setIterationCount(iterations + (paths.size() + partitions - 1) / partitions);
            sync.afterRound(sparkNet.getNetwork(), roundNumber, paths.size());
            examples += roundExamples;
            weightedLoss += sparkNet.getScore() * roundExamples;
            int done = from + round.size();
            if (done >= nextReport || done == order.size()) {
                nextReport += reportEvery;
                Progress progress = new Progress(epoch, epochs, done, order.size(), examples,
                        (System.nanoTime() - start) / 1e9, sparkNet.getScore());
                listeners.forEach(l -> l.onProgress(progress));
            }
        }
        return new Phase(examples > 0 ? weightedLoss / examples : Double.NaN, examples,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * Fits one round; a round that outlives {@code training.round-timeout-minutes} is cancelled
     * (its tasks interrupted) and fails with the setting to change, instead of hanging the job.
     */
    private void fitWithTimeout(SparkComputationGraph sparkNet, JavaRDD<String> rdd, DataSetLoader loader, int epoch,
            int round) {
        if (roundTimeoutMinutes == 0) {
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
        }, roundTimeoutMinutes, TimeUnit.MINUTES);
        try {
            sparkNet.fitPaths(rdd, loader);
        } catch (RuntimeException e) {
            if (timedOut.get()) {
                throw new IllegalStateException("epoch " + epoch + ", round " + round + " ran longer than "
                        + ConfigSchema.ROUND_TIMEOUT.key() + " = " + roundTimeoutMinutes + " and was cancelled", e);
            }
            throw e;
        } finally {
            alarm.cancel(false);
            watchdog.shutdownNow();
            sc.clearJobGroup();
        }
    }

    private Evaluation evaluate(SparkComputationGraph sparkNet, ShardSet test, DataSetLoader loader) {
        int numClasses = test.manifest().spec().numClasses();
        Storage storage = new Storage(sc.hadoopConfiguration());
        // Loaded DataSets: DL4J 1.0.0-M2's path-based evaluation was seen to build its network from
        // a null configuration and fail.
        JavaRDD<DataSet> batches = sc.parallelize(test.paths(), Math.min(sync.workers(), test.paths().size()))
                .map(path -> ShardSet.read(storage, path, loader));
        return sparkNet.doEvaluation(batches, evaluationThreadsPerExecutor(), test.manifest().spec().batchSize(),
                new Evaluation(numClasses))[0];
    }

    /** One model copy per task slot: in local mode every core is a slot of the one executor. */
    private int evaluationThreadsPerExecutor() {
        return sc.master().startsWith("local") ? sc.defaultParallelism()
                : sc.getConf().getInt("spark.executor.cores", 1);
    }
}
