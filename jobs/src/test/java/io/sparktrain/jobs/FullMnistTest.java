package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's main job as shipped: LeNet on all of MNIST with parameter averaging reaches 99%. */
@Tag("slow")
class FullMnistTest {
    @TempDir
    Path root;

    @Test
    void mainJobReachesNinetyNinePercent() throws IOException {
        RunDirectory run = TrainJob.run(ConfigLoader.load(ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf"),
                List.of("run.root=" + root, "data.cache-dir=" + TestMnist.cacheDir(),
                        "spark.conf.spark.ui.enabled=false")), Optional.empty());
        JsonNode summary = new ObjectMapper().readTree(Files.readString(Path.of(run.summaryUri())));
        List<String> metrics = Files.readAllLines(Path.of(run.metricsUri()));
        JsonNode last = new ObjectMapper().readTree(metrics.get(metrics.size() - 1));
        assertEquals(60_000, last.get("train_examples").asInt());
        assertEquals(10_000, last.get("test_examples").asInt());
        assertTrue(summary.get("final_test_accuracy").asDouble() >= 0.99, summary.toString());
        assertTrue(Files.exists(Path.of(run.checkpointUri(last.get("epoch").asInt()))));
    }
}
