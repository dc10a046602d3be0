package io.sparktrain.trainer.loop;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardManifest.Shard;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.spark.SparkContexts;
import io.sparktrain.trainer.sync.averaging.ParameterAveraging;
import java.io.IOException;
import java.nio.file.Path;
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
 * Spark parameter averaging against single-machine DL4J on the same minibatches in the same order,
 * through the project's own training loop.
 */
class ParameterAveragingEquivalenceTest {
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
        ParameterAveraging sync = new ParameterAveraging(workers, BATCH, averagingFrequency, 0, averageUpdaterState,
                SEED);
        return new TrainingLoop(sc, sync, new TrainConfig.Training(epochs, BATCH, 0, 1000, 0, 0, 0), SEED, List.of()).fit(initial, 0, train, test);
    }

    private static DataSet shard(Shard shard) throws IOException {
        return ShardSet.read(storage, train.uriOf(shard).toString());
    }

    private static double maxAbsDifference(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b)).maxNumber().doubleValue();
    }

    @Test
    void oneWorkerMatchesSingleMachineExactly() throws IOException {
        ComputationGraph single = lenet("adam", 1e-3, 0.5);
        INDArray initial = single.params().dup();
        ComputationGraph spark = trainOnSpark(lenet("adam", 1e-3, 0.5), 1, 3, true, 2);

        for (int epoch = 1; epoch <= 2; epoch++) {
            single.getConfiguration().setEpochCount(epoch - 1);
            for (Shard s : EpochOrder.of(train.manifest().shards(), epoch, SEED, 0)) {
                single.fit(shard(s));
            }
        }
        assertNotEquals(initial, spark.params(), "training changed the parameters");
        // One worker averages with nobody: parameters and Adam's moments travel through Kryo and a
        // division by one, both exact, so nothing may differ at all (16 shards at frequency 3 also
        // exercise the short last round's iteration count, which Adam's bias correction reads; the
        // learning rate halves each epoch, so the workers must also see the right epoch count; both
        // counts are lost by DL4J's configuration clone unless CountKeepingTrainingMaster restores them).
        assertBitwiseEqual(single.params(), spark.params(), "parameters");
        assertBitwiseEqual(single.getUpdater().getStateViewArray(), spark.getUpdater().getStateViewArray(),
                "Adam's moments");
        assertEquals(single.getIterationCount(), spark.getIterationCount());
        assertEquals(2, spark.getEpochCount());
    }

    @Test
    void twoWorkersAveragingEveryStepMatchTheCombinedBatch() throws IOException {
        ComputationGraph single = lenet("sgd", 0.01, 1);
        INDArray initial = single.params().dup();
        ComputationGraph spark = trainOnSpark(lenet("sgd", 0.01, 1), 2, 1, true, 1);

        List<Shard> order = EpochOrder.of(train.manifest().shards(), 1, SEED, 0);
        for (int i = 0; i < order.size(); i += 2) {
            single.fit(DataSet.merge(List.of(shard(order.get(i)), shard(order.get(i + 1)))));
        }
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
}
