package io.sparktrain.trainer.loop;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardManifest.Shard;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.spark.SparkContexts;
import io.sparktrain.trainer.sync.SyncStrategies;
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.allreduce.Allreduce;
import io.sparktrain.trainer.sync.averaging.ParameterAveraging;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The synchronous strategies, parameter averaging and allreduce, against single-machine DL4J on
 * the same minibatches in the same order, through the project's own training loop.
 */
class SynchronousEquivalenceTest {
    private static final int BATCH = 32;
    private static final long SEED = 11;

    private static JavaSparkContext sc;
    private static Storage storage;
    private static ShardSet train;
    private static ShardSet test;

    @TempDir
    static Path shards;

    @BeforeAll
    static void exportMnistSubset() throws IOException {
        sc = SparkContexts.create(new TrainConfig.Spark("local[2]", "equivalence", Map.of("spark.ui.enabled", "false"), "2g", "0"));
        storage = new Storage(sc.hadoopConfiguration());
        Mnist mnist = TestMnist.fetch();
        ShardExporter exporter = new ShardExporter(sc, storage);
        // 16 shards of 32: a whole number of shards, so every two-worker round is balanced.
        train = exporter.exportOrReuse(mnist.load(Mnist.Split.TRAIN).first(16 * BATCH), shards.toUri(), BATCH, SEED);
        test = exporter.exportOrReuse(mnist.load(Mnist.Split.TEST).first(64), shards.toUri(), BATCH, SEED);
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    private static ComputationGraph lenet(String updater, double learningRate, double decay) {
        return ModelSpec.of(ConfigLoader.parse("model { updater = " + updater + ", learning-rate = " + learningRate
                + ", learning-rate-decay = " + decay + ", seed = 5 }", "test", List.of()).model(), 1, 28, 28, 10)
                .newNetwork("lenet");
    }

    private static ComputationGraph trainOnSpark(ComputationGraph initial, int workers, int averagingFrequency,
            boolean averageUpdaterState, int epochs) throws IOException {
        return train(initial, new ParameterAveraging(workers, BATCH, averagingFrequency, 0, averageUpdaterState, SEED),
                epochs);
    }

    private static ComputationGraph train(ComputationGraph initial, SyncStrategy sync, int epochs) throws IOException {
        return new TrainingLoop(sc, sync, new TrainConfig.Training(epochs, BATCH, 0, 1000, 0, 0, 0), SEED, List.of())
                .fit(initial, 0, train, test);
    }

    /** Single-machine DL4J over the epochs' shards in the loop's order, {@code merged} shards per step. */
    private static ComputationGraph trainAlone(ComputationGraph network, int epochs, int merged) throws IOException {
        for (int epoch = 1; epoch <= epochs; epoch++) {
            network.getConfiguration().setEpochCount(epoch - 1);
            List<Shard> order = EpochOrder.of(train.manifest().shards(), epoch, SEED, 0);
            for (int i = 0; i < order.size(); i += merged) {
                List<DataSet> step = new ArrayList<>();
                for (Shard s : order.subList(i, Math.min(order.size(), i + merged))) {
                    step.add(shard(s));
                }
                network.fit(step.size() == 1 ? step.get(0) : DataSet.merge(step));
            }
        }
        return network;
    }

    private static DataSet shard(Shard shard) throws IOException {
        return ShardSet.read(storage, train.uriOf(shard).toString());
    }

    /** Parameters and Adam's moments bit for bit, and the counts, after {@code epochs}. */
    private static void assertSameBits(ComputationGraph single, ComputationGraph spark, int epochs) {
        assertBitwiseEqual(single.params(), spark.params(), "parameters");
        assertBitwiseEqual(single.getUpdater().getStateViewArray(), spark.getUpdater().getStateViewArray(),
                "Adam's moments");
        assertEquals(single.getIterationCount(), spark.getIterationCount());
        assertEquals(epochs, spark.getEpochCount());
    }

    private static double maxAbsDifference(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b)).maxNumber().doubleValue();
    }

    @Test
    void oneWorkerMatchesSingleMachineExactly() throws IOException {
        ComputationGraph single = lenet("adam", 1e-3, 0.5);
        INDArray initial = single.params().dup();
        ComputationGraph spark = trainOnSpark(lenet("adam", 1e-3, 0.5), 1, 3, true, 2);
        trainAlone(single, 2, 1);
        assertNotEquals(initial, spark.params(), "training changed the parameters");
        // One worker averages with nobody: parameters and Adam's moments travel through Kryo and a
        // division by one, both exact, so nothing may differ at all (16 shards at frequency 3 also
        // exercise the short last round's iteration count, which Adam's bias correction reads; the
        // learning rate halves each epoch, so the workers must also see the right epoch count; both
        // counts are lost by DL4J's configuration clone unless CountKeepingTrainingMaster restores them).
        assertSameBits(single, spark, 2);
    }

    @Test
    void twoWorkersAveragingEveryStepMatchTheCombinedBatch() throws IOException {
        ComputationGraph single = lenet("sgd", 0.01, 1);
        INDArray initial = single.params().dup();
        ComputationGraph spark = trainOnSpark(lenet("sgd", 0.01, 1), 2, 1, true, 1);
        trainAlone(single, 1, 2);
        double difference = maxAbsDifference(single.params(), spark.params());
        double moved = maxAbsDifference(initial, spark.params());
        // With plain SGD and equal halves, the mean of the two workers' steps is the step on the
        // combined batch; only float32 summation order differs, about one ulp of a weight (6e-8 here).
        // The learning rate is kept small because LeNet's ReLUs turn a rounding difference at a
        // kink into a different gradient, which a large step (0.1 measured 7e-4) then amplifies.
        assertTrue(difference < 1e-6, "max |single - spark| = " + difference);
        assertTrue(moved > 1e-3, "parameters moved by " + moved);
    }

    @Test
    void updaterStateIsAveragedOnlyWhenAsked() throws IOException {
        ComputationGraph averaged = trainOnSpark(lenet("adam", 1e-3, 1), 2, 2, true, 1);
        ComputationGraph notAveraged = trainOnSpark(lenet("adam", 1e-3, 1), 2, 2, false, 1);
        assertTrue(averaged.getUpdater().getStateViewArray().amaxNumber().doubleValue() > 0,
                "Adam moments came back from the workers");
        assertEquals(Nd4j.zeros(notAveraged.getUpdater().getStateViewArray().shape()).castTo(
                notAveraged.getUpdater().getStateViewArray().dataType()), notAveraged.getUpdater().getStateViewArray(),
                "DL4J's default (saveUpdater off) leaves the driver's moments at zero");
    }

    @Test
    void allreduceOnOneWorkerMatchesSingleMachineExactly() throws IOException {
        ComputationGraph single = trainAlone(lenet("adam", 1e-3, 0.5), 2, 1);
        // Stages of 3 steps over 16 shards: the last stage of each epoch is short.
        ComputationGraph spark = train(lenet("adam", 1e-3, 0.5), new Allreduce(1, 3), 2);
        // A ring of one sums nothing: DL4J's own fit on the worker, from the driver's state each stage.
        assertSameBits(single, spark, 2);
    }

    @Test
    void allreduceOnTwoWorkersMatchesTheCombinedBatch() throws IOException {
        ComputationGraph initial = lenet("sgd", 0.01, 1);
        INDArray start = initial.params().dup();
        ComputationGraph spark = train(initial, new Allreduce(2, 3), 1);
        ComputationGraph single = trainAlone(lenet("sgd", 0.01, 1), 1, 2);
        double difference = maxAbsDifference(single.params(), spark.params());
        // The gradients are summed before the optimizer, so unlike averaging this holds however many
        // steps a stage takes; only float32 summation order differs (1.5e-8 measured).
        assertTrue(difference < 1e-6, "max |single - spark| = " + difference);
        assertTrue(maxAbsDifference(start, spark.params()) > 1e-3, "parameters moved");

        ComputationGraph adamSpark = train(lenet("adam", 1e-3, 1), new Allreduce(2, 5), 1);
        ComputationGraph adamSingle = trainAlone(lenet("adam", 1e-3, 1), 1, 2);
        // Adam too, since every worker's optimizer sees the combined gradient (6e-7 measured).
        double adamDifference = maxAbsDifference(adamSingle.params(), adamSpark.params());
        assertTrue(adamDifference < 1e-5, "max |single - spark| under Adam = " + adamDifference);
        assertEquals(adamSingle.getIterationCount(), adamSpark.getIterationCount());
    }

    @Test
    void allreduceRefusesMoreWorkersThanTaskSlotsBeforeSparkWaitsForThem() {
        TrainConfig config = ConfigLoader.parse("sync { strategy = allreduce, workers = 3 }", "test", List.of());
        InvalidConfigException refused = assertThrows(InvalidConfigException.class,
                () -> SyncStrategies.create(config, sc));
        assertTrue(refused.getMessage().startsWith("sync.workers = 3: allreduce runs all its workers at once here, and "
                + "local[2] has 2 task slots"), refused.getMessage());
    }
}
