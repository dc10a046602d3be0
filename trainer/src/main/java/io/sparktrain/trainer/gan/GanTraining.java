package io.sparktrain.trainer.gan;

import io.sparktrain.datasets.shards.ShardManifest.Shard;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.EpochOrder;
import io.sparktrain.trainer.loop.EpochRound;
import io.sparktrain.trainer.loop.SyncRound;
import io.sparktrain.trainer.loop.TrainingDivergedException;
import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.SyncStrategies;
import io.sparktrain.trainer.sync.allreduce.Allreduce;
import io.sparktrain.trainer.sync.sharing.GradientSharing;
import io.sparktrain.trainer.sync.sharing.RingSharing;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a GAN on Spark, Algorithm 1 of Goodfellow et al. (2014) spread over the workers: each
 * round the discriminator trains on real shards and as many fakes, and the generator through the
 * adversarial network, whose frozen discriminator is copied from the one just trained;
 * {@code gan.discriminator-steps} discriminator minibatches go to each generator minibatch. How a
 * round runs depends on the strategy ({@link GanRound}); after every epoch the networks are
 * evaluated, sampled and judged on the driver, and the listeners told.
 */
public final class GanTraining {
    private static final Logger log = LoggerFactory.getLogger(GanTraining.class);
    /** Held-out real images (and as many fakes) on which the discriminator's accuracy is measured. */
    static final int EVALUATION_IMAGES = 1000;
    private static final long SAMPLE_NOISE_SALT = 0x3C6EF372FE94F82BL;
    private static final long EVALUATION_NOISE_SALT = 0xA54FF53A5F1D36F1L;
    private static final long QUALITY_NOISE_SALT = 0x510E527FADE682D1L;
    private static final long LOSS_NOISE_SALT = 0x1F83D9ABFB41BD6BL;

    private final JavaSparkContext sc;
    private final TrainConfig config;
    private final SyncRound round;
    private final Optional<SampleJudge> judge;
    private final List<GanListener> listeners;

    /** @param judge judges {@code gan.quality-samples} generated images after every epoch, if given */
    public GanTraining(JavaSparkContext sc, TrainConfig config, Optional<SampleJudge> judge,
            List<GanListener> listeners) {
        this.sc = sc;
        this.config = config;
        this.round = new SyncRound(sc, config.training().roundTimeoutMinutes());
        this.judge = judge;
        this.listeners = List.copyOf(listeners);
    }

    /** Trains epochs {@code completedEpochs + 1 .. training.epochs}; returns the trained networks. */
    public GanNetworks fit(GanNetworks networks, int completedEpochs, ShardSet train, ShardSet test)
            throws IOException {
        int batch = config.training().batchSizePerWorker();
        INDArray realImages = test.readFirst(new Storage(sc.hadoopConfiguration()), EVALUATION_IMAGES).getFeatures();
        int noiseSize = config.gan().noiseSize();
        int lossRows = (int) Math.min(batch, realImages.size(0));
        // Refreshed rather than rebuilt for every round, snapshot and evaluation.
        ComputationGraph generator = networks.generator();
        GanRound.LossProbe probe = new GanRound.LossProbe(
                realImages.get(NDArrayIndex.interval(0, lossRows), NDArrayIndex.all()),
                GanImages.noise(config.model().seed() ^ LOSS_NOISE_SALT, lossRows, noiseSize));
        GanRound gan = roundFor(networks, generator, probe);
        int grid = config.gan().sampleGrid();
        INDArray sampleNoise = GanImages.noise(config.model().seed() ^ SAMPLE_NOISE_SALT, grid * grid, noiseSize);
        INDArray evaluationNoise = GanImages.noise(config.model().seed() ^ EVALUATION_NOISE_SALT,
                (int) realImages.size(0), noiseSize);
        INDArray qualityNoise = GanImages.noise(config.model().seed() ^ QUALITY_NOISE_SALT,
                config.gan().qualitySamples(), noiseSize);
        for (int epoch = completedEpochs + 1; epoch <= config.training().epochs(); epoch++) {
            long start = System.nanoTime();
            Losses losses;
            try {
                losses = fitEpoch(gan, train, epoch);
            } catch (TrainingDivergedException divergence) {
                for (GanListener listener : listeners) {
                    listener.onDiverged(divergence);
                }
                throw divergence;
            }
            GanNetworks current = gan.networks();
            current.updateGenerator(generator);
            INDArray fakes = GanImages.generate(generator, evaluationNoise);
            // Training mode, each side alone, as the discriminator trains: its running statistics
            // average real and fake minibatches and fit neither.
            double accuracyReal = share(current.discriminator().outputSingle(true, realImages), true);
            double accuracyFake = share(current.discriminator().outputSingle(true, fakes), false);
            float[][] samples = GanImages.generate(generator, sampleNoise).toFloatMatrix();
            Optional<SampleJudge.Quality> quality = judge.map(j -> j.judge(GanImages.generate(generator,
                    qualityNoise)));
            GanEpoch result = new GanEpoch(epoch, config.training().epochs(), losses.discriminatorMean(),
                    losses.generatorMean(), losses.discriminator(), losses.generator(), accuracyReal, accuracyFake,
                    losses.realExamples, (System.nanoTime() - start) / 1e9, losses.seconds, gan.takeBytesPerStep(),
                    samples, quality);
            for (GanListener listener : listeners) {
                listener.onEpochEnd(result, current);
            }
            // After the listeners: an epoch reported done has its checkpoint on disk.
            log.info("epoch {}/{} done in {} s: discriminator loss {}, generator loss {}; discriminator right on "
                    + "{}% of real and {}% of fake images{}; {} KiB sent per worker and minibatch", epoch,
                    result.epochs(), String.format("%.0f", result.seconds()),
                    String.format("%.4f", result.discriminatorLoss()), String.format("%.4f", result.generatorLoss()),
                    String.format("%.1f", 100 * accuracyReal), String.format("%.1f", 100 * accuracyFake),
                    quality.map(q -> String.format("; classifier score %.2f, FID %.2f", q.classifierScore(),
                            q.frechetDistance())).orElse(""), String.format("%.1f", result.bytesPerStep() / 1024));
        }
        for (GanListener listener : listeners) {
            listener.onTrainingEnd();
        }
        return gan.networks();
    }

    /** Parameter averaging trains a round in two Spark jobs, allreduce and gradient sharing in one barrier stage. */
    private GanRound roundFor(GanNetworks networks, ComputationGraph generator, GanRound.LossProbe probe) {
        TrainConfig.Sync sync = config.sync();
        if (!sync.strategy().equals(Allreduce.NAME) && !sync.strategy().equals(GradientSharing.NAME)) {
            return new AveragingGanRound(sc, config, round, networks, generator, probe);
        }
        Optional<RingSharing.Settings> sharing = sync.strategy().equals(GradientSharing.NAME)
                ? Optional.of(RingSharing.Settings.of(sync.sharing())) : Optional.empty();
        return new RingGanRound(sc, round, sync.strategy(), SyncStrategies.barrierWorkers(sync, sc),
                sync.allreduceStepsPerStage(), new RingGanRound.RoundSettings(config.training().batchSizePerWorker(),
                        config.gan().noiseSize(), config.data().shuffleSeed(), config.gan().discriminatorSteps()),
                sharing, networks, generator, probe);
    }

    /** The per-round losses of an epoch, the real images seen and the seconds its rounds took. */
    private static final class Losses {
        private final List<Double> discriminator = new ArrayList<>();
        private final List<Double> generator = new ArrayList<>();
        private final List<Long> weights = new ArrayList<>();
        private long realExamples;
        private double seconds;

        void add(double discriminatorLoss, double generatorLoss, long examples) {
            discriminator.add(discriminatorLoss);
            generator.add(generatorLoss);
            weights.add(examples);
            realExamples += examples;
        }

        double[] discriminator() {
            return discriminator.stream().mapToDouble(Double::doubleValue).toArray();
        }

        double[] generator() {
            return generator.stream().mapToDouble(Double::doubleValue).toArray();
        }

        double discriminatorMean() {
            return weightedMean(discriminator);
        }

        double generatorMean() {
            return weightedMean(generator);
        }

        private double weightedMean(List<Double> values) {
            double sum = 0;
            for (int i = 0; i < values.size(); i++) {
                sum += values.get(i) * weights.get(i);
            }
            return realExamples > 0 ? sum / realExamples : Double.NaN;
        }
    }

    private Losses fitEpoch(GanRound gan, ShardSet train, int epoch) {
        TrainConfig.Training training = config.training();
        List<Shard> order = EpochOrder.of(train.manifest().shards(), epoch, config.data().shuffleSeed(),
                training.maxBatchesPerEpoch());
        // A worker's discriminator slots come in pairs of real images and fakes; full rounds give
        // every worker whole pairs, a short last one may cut one pair between two workers.
        int perRound = gan.batchesPerRound();
        int reportEvery = EpochRound.reportEvery(perRound, training.reportEveryBatches());
        Losses losses = new Losses();
        long start = System.nanoTime();
        List<EpochRound> rounds = EpochRound.cut(train, order, perRound);
        for (EpochRound next : rounds) {
            GanRound.Losses round = gan.fit(next, new RoundPlace(epoch, training.epochs(), next.number(),
                    rounds.size()));
            int done = next.done();
            if (!Double.isFinite(round.discriminator()) || !Double.isFinite(round.generator())) {
                throw new TrainingDivergedException(epoch, done, Double.isFinite(round.discriminator())
                        ? round.generator() : round.discriminator());
            }
            losses.add(round.discriminator(), round.generator(), next.examples());
            if (done % reportEvery < perRound || done == order.size()) {
                log.info("epoch {}/{}  batch {}/{}  {} images/s  discriminator loss {}  generator loss {}", epoch,
                        training.epochs(), done, order.size(),
                        String.format("%.0f", losses.realExamples / ((System.nanoTime() - start) / 1e9)),
                        String.format("%.4f", round.discriminator()),
                        String.format("%.4f", round.generator()));
            }
        }
        losses.seconds = (System.nanoTime() - start) / 1e9;
        return losses;
    }

    /** The fraction of {@code probabilities} on the right side of 0.5. */
    private static double share(INDArray probabilities, boolean real) {
        INDArray right = real ? probabilities.gte(0.5) : probabilities.lt(0.5);
        return right.castTo(probabilities.dataType()).sumNumber().doubleValue() / probabilities.length();
    }
}
