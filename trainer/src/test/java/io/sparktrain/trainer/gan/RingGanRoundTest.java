package io.sparktrain.trainer.gan;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.SyncRound;
import io.sparktrain.trainer.spark.SparkContexts;
import io.sparktrain.trainer.sync.sharing.RingSharing;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.ResidualClippingPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A GAN round under allreduce against Goodfellow et al.'s Algorithm 1 on one machine, written out
 * with plain DL4J calls: on one worker bit for bit, on two workers against one machine whose every
 * minibatch merges the two workers' (the lecture GAN has no batch normalization, so merging
 * changes nothing but the order of float sums). Under gradient sharing, stage after stage.
 */
class RingGanRoundTest {
    private static final int BATCH = 32;
    private static final int NOISE = 100;
    private static final long SEED = 11;
    private static final int EPOCH = 3;

    private static JavaSparkContext sc;
    private static Storage storage;
    private static List<String> shards;

    @TempDir
    static Path directory;

    @BeforeAll
    static void exportShards() throws IOException {
        sc = SparkContexts.create(new TrainConfig.Spark("local[2]", "gan-allreduce", Map.of("spark.ui.enabled",
                "false"), "2g", "0"));
        storage = new Storage(sc.hadoopConfiguration());
        ShardSet train = new ShardExporter(sc, storage).exportOrReuse(
                TestMnist.fetch().load(Mnist.Split.TRAIN).first(8 * BATCH), directory.toUri(), BATCH, 3);
        shards = train.manifest().shards().stream().map(s -> train.uriOf(s).toString()).toList();
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    private static GanNetworks lectureGan() {
        TrainConfig config = ConfigLoader.parse("model { architecture = gan, updater = adam, learning-rate = 0.0002, "
                + "seed = 42 }", "test", List.of());
        return GanModels.newNetworks(GanModels.spec(config.model()), NOISE);
    }

    /**
     * One machine's round: at every step the discriminator fits the real images of {@code steps}'
     * shards, merged, then the fakes of each, then the generator fits one minibatch per shard, merged.
     */
    private static void trainAlone(GanNetworks gan, List<List<String>> steps) throws IOException {
        GeneratorBatches generatorBatches = new GeneratorBatches(BATCH, NOISE, SEED, EPOCH);
        ComputationGraph generator = gan.generator();
        for (List<String> step : steps) {
            List<DataSet> real = new ArrayList<>();
            List<DataSet> fakes = new ArrayList<>();
            List<DataSet> noise = new ArrayList<>();
            for (String shard : step) {
                DataSet images = ShardSet.read(storage, shard);
                real.add(DiscriminatorBatches.real(images.getFeatures()));
                INDArray z = DiscriminatorBatches.noise(SEED, EPOCH, shard, images.numExamples(), NOISE);
                fakes.add(DiscriminatorBatches.fakes(GanImages.flatten(generator.outputSingle(true, z))));
                noise.add(generatorBatches.forSlot(shard));
            }
            gan.discriminator().fit(DataSet.merge(real));
            gan.discriminator().fit(DataSet.merge(fakes));
            gan.copyDiscriminator();
            gan.adversarial().fit(DataSet.merge(noise));
            gan.updateGenerator(generator);
        }
    }

    private static RingGanRound ring(GanNetworks gan, int workers, Optional<RingSharing.Settings> sharing) {
        // One stage per round; the driver's loss probe is not used by the stages themselves.
        return new RingGanRound(sc, new SyncRound(sc, 0), sharing.isPresent() ? "gradient-sharing" : "allreduce",
                workers, shards.size() / workers, new RingGanRound.RoundSettings(BATCH, NOISE, SEED, 1), sharing, gan,
                gan.generator(), null);
    }

    private static double trainOnSpark(GanNetworks gan, int workers) {
        return ring(gan, workers, Optional.empty()).fit(shards, EPOCH);
    }

    @Test
    void oneWorkerMatchesOneMachineExactly() throws IOException {
        GanNetworks alone = lectureGan();
        GanNetworks spark = lectureGan();
        INDArray start = spark.adversarial().params().dup();
        trainAlone(alone, shards.stream().map(List::of).toList());
        double generatorLoss = trainOnSpark(spark, 1);

        assertTrue(Transforms.abs(start.sub(spark.adversarial().params())).maxNumber().doubleValue() > 1e-4,
                "the generator moved");
        assertBitwiseEqual(alone.discriminator().params(), spark.discriminator().params(), "discriminator");
        assertBitwiseEqual(alone.discriminator().getUpdater().getStateViewArray(),
                spark.discriminator().getUpdater().getStateViewArray(), "the discriminator's Adam moments");
        assertBitwiseEqual(alone.adversarial().params(), spark.adversarial().params(), "generator and frozen copy");
        assertBitwiseEqual(alone.adversarial().getUpdater().getStateViewArray(),
                spark.adversarial().getUpdater().getStateViewArray(), "the generator's Adam moments");
        assertEquals(2 * shards.size(), spark.discriminator().getIterationCount(), "a real and a fake fit per step");
        assertEquals(shards.size(), spark.adversarial().getIterationCount());
        assertEquals(EPOCH - 1, spark.adversarial().getEpochCount());
        assertTrue(Double.isFinite(generatorLoss) && generatorLoss > 0, "generator loss " + generatorLoss);
    }

    @Test
    void twoWorkersMatchOneMachineOnTheMergedMinibatches() throws IOException {
        GanNetworks alone = lectureGan();
        GanNetworks spark = lectureGan();
        List<List<String>> steps = new ArrayList<>();
        for (int step = 0; step < shards.size() / 2; step++) {
            steps.add(shards.subList(2 * step, 2 * step + 2));
        }
        trainAlone(alone, steps);
        trainOnSpark(spark, 2);

        // Every optimizer saw the merged gradient; only the order of float sums differs.
        for (String network : List.of("discriminator", "adversarial")) {
            ComputationGraph one = network.equals("discriminator") ? alone.discriminator() : alone.adversarial();
            ComputationGraph two = network.equals("discriminator") ? spark.discriminator() : spark.adversarial();
            double difference = Transforms.abs(one.params().sub(two.params())).maxNumber().doubleValue();
            assertTrue(difference < 1e-5, network + ": max |one machine - two workers| = " + difference);
            assertEquals(one.getIterationCount(), two.getIterationCount(), network);
        }
        assertTrue(Transforms.abs(alone.adversarial().params().sub(lectureGan().adversarial().params()))
                .maxNumber().doubleValue() > 1e-4, "training moved the generator");
    }

    @Test
    void gradientSharingTrainsBothNetworksStageAfterStage() {
        GanNetworks gan = lectureGan();
        INDArray discriminatorStart = gan.discriminator().params().dup();
        INDArray generatorStart = gan.adversarial().params().dup();
        RingGanRound round = ring(gan, 2, Optional.of(new RingSharing.Settings(new AdaptiveThresholdAlgorithm(1e-4),
                new ResidualClippingPostProcessor(5, 5))));
        // The second stage starts from the threshold the first adapted.
        for (int stage = 0; stage < 2; stage++) {
            double generatorLoss = round.fit(shards, EPOCH);
            assertTrue(Double.isFinite(generatorLoss) && generatorLoss > 0, "generator loss " + generatorLoss);
        }
        assertTrue(Transforms.abs(discriminatorStart.sub(gan.discriminator().params())).maxNumber().doubleValue() > 1e-3,
                "the discriminator moved");
        assertTrue(Transforms.abs(generatorStart.sub(gan.adversarial().params())).maxNumber().doubleValue() > 1e-3,
                "the generator moved");
        // Each worker fits its own minibatches: 4 steps of a real and a fake fit, 4 generator fits, twice.
        assertEquals(2 * 2 * shards.size() / 2, gan.discriminator().getIterationCount());
        assertEquals(2 * shards.size() / 2, gan.adversarial().getIterationCount());
    }
}
