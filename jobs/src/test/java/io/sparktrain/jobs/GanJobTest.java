package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.GanRecorder;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GAN job on 4,096 real MNIST images with parameter averaging on 2 workers in local mode. */
class GanJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    private TrainConfig config(String file, int epochs) {
        return ConfigLoader.load(ConfigLoaderPaths.repo().resolve(file), List.of("run.root=" + root,
                "data.cache-dir=" + TestMnist.cacheDir(), "data.train-examples=4096", "data.test-examples=1000",
                "training.batch-size-per-worker=64", "training.epochs=" + epochs, "spark.master=local[2]",
                "spark.conf.spark.ui.enabled=false"));
    }

    private static List<JsonNode> metrics(RunDirectory run) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(run.metricsUri()))) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static byte[] samples(RunDirectory run, int epoch) throws IOException {
        return Files.readAllBytes(Path.of(run.uri()).resolve(GanRecorder.samplesFile(epoch)));
    }

    @Test
    void theLectureGanTrainsOnSparkAndResumesExactlyWhereItStopped() throws IOException {
        RunDirectory run = GanJob.run(config("conf/mnist-gan.conf", 2), Optional.empty());
        List<JsonNode> twoEpochs = metrics(run);
        assertEquals(2, twoEpochs.size());
        for (JsonNode epoch : twoEpochs) {
            assertEquals(4096, epoch.get("real_examples").asInt());
            for (String loss : List.of("discriminator_loss", "generator_loss")) {
                assertTrue(Double.isFinite(epoch.get(loss).asDouble()) && epoch.get(loss).asDouble() > 0,
                        loss + " " + epoch);
            }
            // 4,096 images in rounds of 2 workers x 5 minibatches of 64: 7 rounds, the last short.
            assertEquals(7, epoch.get("discriminator_round_losses").size());
        }
        assertTrue(twoEpochs.stream().anyMatch(e -> e.get("discriminator_loss").asDouble() > 0.05),
                "the discriminator must not win outright from the start: " + twoEpochs);
        assertNotEquals(Arrays.hashCode(samples(run, 1)), Arrays.hashCode(samples(run, 2)),
                "the samples change between epochs");
        assertEquals(10 * (28 * 2 + 2) + 2, ImageIO.read(Path.of(run.uri()).resolve(
                GanRecorder.samplesFile(2)).toFile()).getWidth(), "10 samples of 28 px drawn twice, with borders");
        assertTrue(Files.size(Path.of(run.uri()).resolve("losses.png")) > 1000);

        RunDirectory oneThenTwo = GanJob.run(config("conf/mnist-gan.conf", 1), Optional.empty());
        GanJob.run(JobArguments.parse("--resume", oneThenTwo.id(), "--set", "run.root=" + root, "--set",
                "training.epochs=2").resolveConfig(), Optional.of(oneThenTwo.id()));
        assertEquals(run.readCheckpoint(2).params(), oneThenTwo.readCheckpoint(2).params(),
                "generator after a resume equals the uninterrupted run's");
        assertEquals(run.readCheckpoint(2, GanRecorder.DISCRIMINATOR).params(),
                oneThenTwo.readCheckpoint(2, GanRecorder.DISCRIMINATOR).params(), "and so does the discriminator");
        assertEquals(twoEpochs.get(1).get("generator_loss"), metrics(oneThenTwo).get(1).get("generator_loss"));
    }

    @Test
    void theDcganTrainsAnEpoch() throws IOException {
        RunDirectory run = GanJob.run(config("conf/mnist-dcgan.conf", 1), Optional.empty());
        JsonNode epoch = metrics(run).get(0);
        assertTrue(Double.isFinite(epoch.get("generator_loss").asDouble()), epoch.toString());
        assertTrue(Files.exists(Path.of(run.checkpointUri(1, GanRecorder.DISCRIMINATOR))));
    }

    @Test
    void ganSettingsAreCheckedBeforeSparkStarts() {
        String lenet = ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf").toString();
        String gan = ConfigLoaderPaths.repo().resolve("conf/mnist-gan.conf").toString();
        assertEquals(TrainJob.BAD_CONFIG, GanJob.launch("--config", lenet), "a classifier is not a GAN");
        assertEquals(TrainJob.BAD_CONFIG, TrainJob.launch("--config", gan), "nor a GAN a classifier");
        String message = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Path.of(gan),
                List.of("sync.strategy=gradient-sharing", "model.l2=0.001", "data.augment-shift=2"))).getMessage();
        for (String expected : List.of("gradient sharing is not available for GANs yet",
                "model.l2 = 0.001: applies to classifiers only, not gan, whose discriminator is copied frozen",
                "data.augment-shift = 2: applies to classifiers only")) {
            assertTrue(message.contains(expected), expected + " in\n" + message);
        }
        assertTrue(assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Path.of(lenet),
                List.of("gan.discriminator-steps=2"))).getMessage()
                .contains("gan.discriminator-steps = 2: applies to gan and dcgan only, not lenet"));
    }
}
