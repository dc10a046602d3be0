package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardManifest.Shard;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.SyncStrategy;
import java.io.IOException;
import java.util.List;
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
    private final SyncRound round;
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
        this.round = new SyncRound(sc, training.roundTimeoutMinutes());
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
            Phase training;
            try {
                training = fitEpoch(sparkNet, train, order, epoch, loaders.training(epoch));
            } catch (TrainingDivergedException divergence) {
                for (TrainingListener listener : listeners) {
                    listener.onDiverged(divergence);
                }
                throw divergence;
            }
            long evalStart = System.nanoTime();
            if (sync.staleStatisticsBatches() > 0) {
                // From the epoch's own minibatches, augmented as trained: the statistics training saw.
                // A job of its own, on every task slot.
                List<String> sample = order.subList(0, Math.min(order.size(), sync.staleStatisticsBatches()))
                        .stream().map(shard -> train.uriOf(shard).toString()).toList();
                DataSetLoader loader = loaders.training(epoch);
                SparkJobs.named(sc, "statistics", "batch-normalization statistics, epoch " + epoch, () -> {
                    RunningStatistics.reestimate(sc, sparkNet.getNetwork(), sample, loader, sc.defaultParallelism());
                    return null;
                });
            }
            Evaluation evaluation = SparkJobs.named(sc, "evaluation", "evaluation, epoch " + epoch,
                    () -> evaluate(sparkNet, test, loaders.evaluation()));
            EpochResult result = new EpochResult(epoch, epochs, training.loss(), training.examples(),
                    training.seconds(), (System.nanoTime() - evalStart) / 1e9, evaluation, sync.name(), sync.workers(),
                    sync.takeTraffic());
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
        int reportEvery = EpochRound.reportEvery(perRound, reportEveryBatches);
        long start = System.nanoTime();
        long examples = 0;
        double weightedLoss = 0;
        int nextReport = reportEvery;
        List<EpochRound> rounds = EpochRound.cut(train, order, perRound);
        for (EpochRound next : rounds) {
            round.fit(sparkNet, sync, next.paths(), loader, new RoundPlace(epoch, epochs, next.number(), rounds.size()),
                    "");
            double loss = sparkNet.getScore();
            if (!Double.isFinite(loss)) {
                throw new TrainingDivergedException(epoch, next.done(), loss);
            }
            examples += next.examples();
            weightedLoss += loss * next.examples();
            if (next.done() >= nextReport || next.done() == order.size()) {
                nextReport += reportEvery;
                Progress progress = new Progress(epoch, epochs, next.done(), order.size(), examples,
                        (System.nanoTime() - start) / 1e9, sparkNet.getScore());
                listeners.forEach(l -> l.onProgress(progress));
            }
        }
        return new Phase(examples > 0 ? weightedLoss / examples : Double.NaN, examples,
                (System.nanoTime() - start) / 1e9);
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
