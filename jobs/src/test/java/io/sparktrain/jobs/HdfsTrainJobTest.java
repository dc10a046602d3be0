package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shards, checkpoints, metrics and the config on a real HDFS, written and read unchanged. */
class HdfsTrainJobTest {
    @TempDir
    Path dir;

    @Test
    void trainsAndResumesWithEverythingOnHdfs() throws Exception {
        try (TestHdfs hdfs = new TestHdfs(dir.resolve("hdfs"))) {
            URI root = hdfs.uri("user/sparktrain");
            List<String> overrides = List.of("run.root=" + root, "data.cache-dir=" + TestMnist.cacheDir(),
                    "data.train-examples=2000", "data.test-examples=500", "training.epochs=1",
                    "spark.master=local[2]", "spark.conf.spark.ui.enabled=false");
            RunDirectory run = TrainJob.run(ConfigLoader.load(ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf"),
                    overrides), Optional.empty());
            assertEquals("hdfs", run.uri().getScheme());

            List<String> exports = hdfs.list(URI.create(root + "/shards"));
            assertEquals(2, exports.size(), exports.toString());
            for (String export : exports) {
                assertTrue(hdfs.list(URI.create(root + "/shards/" + export)).contains("manifest.json"));
            }
            assertEquals(1, hdfs.read(run.metricsUri()).strip().split("\n").length);

            JobArguments resume = JobArguments.parse("train", JobKind.TRAIN, "--resume", run.id(), "--set",
                    "run.root=" + root, "--set", "training.epochs=2");
            RunDirectory resumed = TrainJob.run(resume.resolveConfig(), resume.resume());
            assertEquals(2, hdfs.read(resumed.metricsUri()).strip().split("\n").length);
            try (InputStream in = hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(resumed.checkpointUri(2)))) {
                ComputationGraph network = ModelSerializer.restoreComputationGraph(in, true);
                assertEquals(2, network.getEpochCount());
            }
            assertTrue(hdfs.list(URI.create(run.uri() + "/checkpoints")).containsAll(
                    List.of("epoch-0001.zip", "epoch-0002.zip")));
        }
    }
}
