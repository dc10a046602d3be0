package io.sparktrain.trainer.sync.allreduce;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.impl.SerializedDataSetLoader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A stage whose worker fails is run again from the stage's start, as Spark reruns the tasks of an
 * ordinary stage: in {@code local[2,3]}, which lets a task fail three times, a worker that cannot
 * read its third minibatch once costs one attempt and changes nothing about the result.
 */
class AllreduceRerunTest {
    private static final int BATCH = 32;
    /** Failures of the failing loader so far: local mode runs every task in this JVM. */
    private static final AtomicInteger FAILURES = new AtomicInteger();

    private static JavaSparkContext sc;
    private static List<String> paths;

    @TempDir
    static Path shards;

    @BeforeAll
    static void exportShards() throws IOException {
        sc = SparkContexts.create(new TrainConfig.Spark("local[2,3]", "allreduce-rerun",
                Map.of("spark.ui.enabled", "false"), "2g", "0"));
        ShardSet train = new ShardExporter(sc, new Storage(sc.hadoopConfiguration())).exportOrReuse(
                TestMnist.fetch().load(Mnist.Split.TRAIN).first(8 * BATCH), shards.toUri(), BATCH, 3);
        paths = train.manifest().shards().stream().map(s -> train.uriOf(s).toString()).toList();
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    @BeforeEach
    void resetFailures() {
        FAILURES.set(0);
    }

    private static ComputationGraph lenet() {
        return ModelSpec.of(ConfigLoader.parse("model { updater = adam, learning-rate = 1e-3, seed = 5 }", "test",
                List.of()).model(), 1, 28, 28, 10).newNetwork("lenet");
    }

    private static ComputationGraph train(SerializedDataSetLoader loader) {
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, lenet(), new AllreduceTrainingMaster(2));
        sparkNet.fitPaths(sc.parallelize(paths, 2), loader);
        return sparkNet.getNetwork();
    }

    @Test
    void aStageWhoseWorkerFailedRunsAgainFromItsStartToTheSameResult() {
        ComputationGraph undisturbed = train(new SerializedDataSetLoader());
        ComputationGraph rerun = train(new FailingLoader(paths.get(5), 1));

        assertEquals(1, FAILURES.get(), "the second worker failed its third minibatch once");
        // Every attempt starts from the same broadcast parameters and optimizer state and fits the
        // same minibatches on the same ranks, so the rerun is the undisturbed stage, bit for bit.
        assertBitwiseEqual(undisturbed.params(), rerun.params(), "parameters after a rerun stage");
        assertBitwiseEqual(undisturbed.getUpdater().getStateViewArray(), rerun.getUpdater().getStateViewArray(),
                "Adam's moments after a rerun stage");
        assertEquals(4, rerun.getIterationCount(), "4 steps of 2 workers, counted once");
    }

    @Test
    void aWorkerThatKeepsFailingFailsTheJobAfterSparksAttempts() {
        Exception failed = assertThrows(Exception.class,
                () -> train(new FailingLoader(paths.get(5), Integer.MAX_VALUE)));
        assertEquals(3, FAILURES.get(), "one failure per attempt of local[2,3]");
        assertTrue(String.valueOf(failed.getMessage()).contains("cannot read " + paths.get(5)), failed.getMessage());
        // The job launcher reads an unreadable input from the failure's causes (exit code 3); the
        // other worker's broken ring is not it.
        assertTrue(failed instanceof SparkException, failed.toString());
        Throwable cause = failed.getCause();
        assertTrue(cause instanceof IOException && !(cause instanceof RingAllreduce.BrokenRingException)
                && cause.getMessage().equals("test: cannot read " + paths.get(5)), String.valueOf(cause));
    }

    /** Reads shards, except that {@code failing} fails its first {@code times} reads. */
    private static final class FailingLoader extends SerializedDataSetLoader {
        private final String failing;
        private final int times;

        FailingLoader(String failing, int times) {
            this.failing = failing;
            this.times = times;
        }

        @Override
        public DataSet load(Source source) throws IOException {
            if (source.getPath().equals(failing) && FAILURES.getAndUpdate(n -> n < times ? n + 1 : n) < times) {
                throw new IOException("test: cannot read " + failing);
            }
            return super.load(source);
        }
    }
}
