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
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.allreduce.Allreduce;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a GAN on Spark, Algorithm 1 of Goodfellow et al. (2014) spread over the workers. Each
 * round, the discriminator trains across the executors on real shards and as many fakes, which
 * each executor generates with the round's generator; then the generator trains across the
 * executors through the adversarial network, whose frozen discriminator is first copied from the
 * one just trained. {@code gan.discriminator-steps} discriminator minibatches go to each generator
 * minibatch. Under parameter averaging both networks are averaged, updater state included, each
 * with a training master of its own; under allreduce a round is one stage that alternates at every
 * step ({@link GanAllreduce}).
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
        SyncStrategy discriminatorSync = SyncStrategies.create(config, sc, 2);
        SyncStrategy generatorSync = SyncStrategies.create(config, sc);
        SparkComputationGraph discriminator = new SparkComputationGraph(sc, networks.discriminator(),
                discriminatorSync.trainingMaster());
        SparkComputationGraph adversarial = new SparkComputationGraph(sc, networks.adversarial(),
                generatorSync.trainingMaster());
        INDArray realImages = test.readFirst(new Storage(sc.hadoopConfiguration()), EVALUATION_IMAGES).getFeatures();
        int noiseSize = config.gan().noiseSize();
        int lossRows = (int) Math.min(batch, realImages.size(0));
        Optional<GanAllreduce> allreduce = generatorSync.name().equals(Allreduce.NAME)
                ? Optional.of(new GanAllreduce(sc, generatorSync.workers(), batch, noiseSize,
                        config.data().shuffleSeed(), config.gan().discriminatorSteps()))
                : Optional.empty();
        Phases phases = new Phases(discriminator, discriminatorSync, adversarial, generatorSync, allreduce,
                networks.generatorJson(), networks.generator(),
                realImages.get(NDArrayIndex.interval(0, lossRows), NDArrayIndex.all()),
                GanImages.noise(config.model().seed() ^ LOSS_NOISE_SALT, lossRows, noiseSize));
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
                losses = fitEpoch(phases, train, epoch);
            } catch (TrainingDivergedException divergence) {
                for (GanListener listener : listeners) {
                    listener.onDiverged(divergence);
                }
                throw divergence;
            }
            GanNetworks current = phases.networks();
            ComputationGraph generator = current.updateGenerator(phases.generator());
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
                    losses.realExamples, (System.nanoTime() - start) / 1e9, samples, quality);
            log.info("epoch {}/{} done in {} s: discriminator loss {}, generator loss {}; discriminator right on "
                    + "{}% of real and {}% of fake images{}", epoch, result.epochs(), String.format("%.0f",
                            result.seconds()), String.format("%.4f", result.discriminatorLoss()),
                    String.format("%.4f", result.generatorLoss()), String.format("%.1f", 100 * accuracyReal),
                    String.format("%.1f", 100 * accuracyFake), quality.map(q -> String.format(
                            "; classifier score %.2f, FID %.2f", q.classifierScore(), q.frechetDistance())).orElse(""));
            for (GanListener listener : listeners) {
                listener.onEpochEnd(result, current);
            }
        }
        return phases.networks();
    }

    /**
     * The two Spark networks, their strategies (and under allreduce the stages that train both
     * networks at once, which Spark's network wrappers cannot), the generator's configuration, the
     * driver's standalone generator, refreshed rather than rebuilt for every snapshot and
     * evaluation, and a minibatch of held-out real images and of noise on which the
     * discriminator's loss is measured.
     */
    private record Phases(SparkComputationGraph discriminator, SyncStrategy discriminatorSync,
            SparkComputationGraph adversarial, SyncStrategy generatorSync, Optional<GanAllreduce> allreduce,
            String generatorJson, ComputationGraph generator, INDArray lossImages, INDArray lossNoise) {
        GanNetworks networks() {
            return new GanNetworks(discriminator.getNetwork(), adversarial.getNetwork(), generatorJson);
        }

        /**
         * The lecture's discriminator loss, -[log D(x) + log(1 - D(G(z)))], of the discriminator
         * as it is now, against the generator it just trained against, each side in a minibatch of
         * its own and in training mode, as it trains. DL4J reports only each worker's last fit, and
         * that is a fake minibatch alone.
         */
        double discriminatorLoss() {
            ComputationGraph network = discriminator.getNetwork();
            INDArray fakes = GanImages.flatten(generator.outputSingle(true, lossNoise));
            long rows = lossImages.size(0);
            return network.score(new DataSet(lossImages, Nd4j.ones(DataType.FLOAT, rows, 1)), true)
                    + network.score(new DataSet(fakes, Nd4j.zeros(DataType.FLOAT, rows, 1)), true);
        }
    }

    /** The per-round losses of an epoch and the real images seen. */
    private static final class Losses {
        private final List<Double> discriminator = new ArrayList<>();
        private final List<Double> generator = new ArrayList<>();
        private final List<Long> weights = new ArrayList<>();
        private long realExamples;

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

    private Losses fitEpoch(Phases phases, ShardSet train, int epoch) {
        TrainConfig.Training training = config.training();
        int steps = config.gan().discriminatorSteps();
        int noiseSize = config.gan().noiseSize();
        long seed = config.data().shuffleSeed();
        List<Shard> order = EpochOrder.of(train.manifest().shards(), epoch, seed, training.maxBatchesPerEpoch());
        // A worker's discriminator slots come in pairs of real images and fakes; full rounds give
        // every worker whole pairs, a short last one may cut one pair between two workers.
        int perRound = phases.generatorSync().batchesPerRound() * steps;
        int reportEvery = EpochRound.reportEvery(perRound, training.reportEveryBatches());
        Losses losses = new Losses();
        long start = System.nanoTime();
        List<EpochRound> rounds = EpochRound.cut(train, order, perRound);
        for (EpochRound next : rounds) {
            RoundPlace place = new RoundPlace(epoch, training.epochs(), next.number(), rounds.size());
            double discriminatorLoss;
            double generatorLoss;
            if (phases.allreduce().isPresent()) {
                generatorLoss = round.run(place, "discriminator and generator", phases.generatorSync(),
                        () -> phases.allreduce().get().fit(phases.networks(), next.paths(), epoch));
                phases.networks().updateGenerator(phases.generator());
                discriminatorLoss = phases.discriminatorLoss();
            } else {
                discriminatorLoss = fitDiscriminator(phases, next, place);
                phases.networks().copyDiscriminator();
                List<String> generatorSlots = next.paths().subList(0, (next.paths().size() + steps - 1) / steps);
                round.fit(phases.adversarial(), phases.generatorSync(), generatorSlots, new GeneratorBatches(
                        training.batchSizePerWorker(), noiseSize, seed, epoch), place, "generator");
                generatorLoss = phases.adversarial().getScore();
            }
            int done = next.done();
            if (!Double.isFinite(discriminatorLoss) || !Double.isFinite(generatorLoss)) {
                throw new TrainingDivergedException(epoch, done, Double.isFinite(discriminatorLoss) ? generatorLoss
                        : discriminatorLoss);
            }
            losses.add(discriminatorLoss, generatorLoss, next.examples());
            if (done % reportEvery < perRound || done == order.size()) {
                log.info("epoch {}/{}  batch {}/{}  {} images/s  discriminator loss {}  generator loss {}", epoch,
                        training.epochs(), done, order.size(),
                        String.format("%.0f", losses.realExamples / ((System.nanoTime() - start) / 1e9)),
                        String.format("%.4f", discriminatorLoss),
                        String.format("%.4f", generatorLoss));
            }
        }
        return losses;
    }

    /**
     * Fits the discriminator on a round's real images and as many fakes, which each executor makes
     * with the generator as the round starts; returns its loss against that generator.
     */
    private double fitDiscriminator(Phases phases, EpochRound next, RoundPlace place) {
        // Ids tell an executor's cached generator that its parameters are stale; random ones
        // stay apart across runs in one JVM.
        Broadcast<GeneratorSnapshot> generator = sc.broadcast(
                phases.networks().snapshot(ThreadLocalRandom.current().nextLong(), phases.generator()));
        try {
            round.fit(phases.discriminator(), phases.discriminatorSync(),
                    DiscriminatorBatches.slots(next.paths(), next.rows()), new DiscriminatorBatches(generator,
                            config.gan().noiseSize(), config.data().shuffleSeed(), place.epoch()),
                    place, "discriminator");
        } finally {
            generator.destroy();
        }
        return phases.discriminatorLoss();
    }

    /** The fraction of {@code probabilities} on the right side of 0.5. */
    private static double share(INDArray probabilities, boolean real) {
        INDArray right = real ? probabilities.gte(0.5) : probabilities.lt(0.5);
        return right.castTo(probabilities.dataType()).sumNumber().doubleValue() / probabilities.length();
    }
}
