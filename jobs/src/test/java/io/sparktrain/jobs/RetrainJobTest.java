package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.idx.IdxWriter;
import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.registry.Lease;
import io.sparktrain.trainer.registry.ModelRegistry;
import io.sparktrain.trainer.registry.ModelVersion;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * submit/retrain on slices of real MNIST: a first model from scratch, a warm-started challenger
 * promoted, a snapshot trained before skipped, a poisoned snapshot refused by the gates, a corrupt
 * one refused as bad data, and a second job locked out.
 */
class RetrainJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    private Path snapshot(String name, LabeledImages images, boolean permuteLabels) throws IOException {
        Path dir = Files.createDirectories(root.resolve("snapshots").resolve(name));
        byte[] labels = images.labels().clone();
        if (permuteLabels) {
            Random random = new Random(5);
            for (int i = labels.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                byte swap = labels[i];
                labels[i] = labels[j];
                labels[j] = swap;
            }
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(RetrainJob.IMAGES))) {
            IdxWriter.writeImages(out, images.pixels(), images.count(), images.rows(), images.cols());
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(RetrainJob.LABELS))) {
            IdxWriter.writeLabels(out, labels);
        }
        return dir;
    }

    private static LabeledImages slice(LabeledImages all, int from, int to) {
        int pixels = all.pixelsPerImage();
        return new LabeledImages(all.name(), all.rows(), all.cols(), all.numClasses(),
                Arrays.copyOfRange(all.pixels(), from * pixels, to * pixels), Arrays.copyOfRange(all.labels(), from,
                        to));
    }

    private int retrain(Path snapshot, String... more) {
        List<String> args = new ArrayList<>(List.of("--config", ConfigLoaderPaths.repo().resolve("conf/retrain-mnist.conf").toString(),
                "--data", snapshot.toString(), "--set", "run.root=" + root, "--set", "registry.root=" + root,
                "--set", "data.cache-dir=" + TestMnist.cacheDir(), "--set", "data.test-examples=1000", "--set",
                "training.epochs=1", "--set", "retrain.gates.min-accuracy=0.6", "--set",
                "retrain.gates.min-accuracy-delta=-0.01", "--set", "retrain.learning-rate=0.001", "--set", "spark.master=local[2]", "--set",
                "spark.conf.spark.ui.enabled=false"));
        args.addAll(List.of(more));
        return RetrainJob.launch(args.toArray(String[]::new));
    }

    @Test
    void promotesABetterChallengerAndNothingElse() throws IOException, InterruptedException {
        LabeledImages train = TestMnist.fetch().load(Mnist.Split.TRAIN);
        Path first = snapshot("1", slice(train, 0, 2000), false);
        Path second = snapshot("2", slice(train, 2000, 4000), false);
        Path poisoned = snapshot("poisoned", slice(train, 4000, 6000), true);
        Path corrupt = snapshot("corrupt", slice(train, 0, 100), false);
        byte[] whole = Files.readAllBytes(corrupt.resolve(RetrainJob.IMAGES));
        Files.write(corrupt.resolve(RetrainJob.IMAGES), Arrays.copyOf(whole, whole.length / 2));
        ModelRegistry registry = new ModelRegistry(new Storage(new Configuration()), root.toUri());

        assertEquals(ExitCode.OK.code(), retrain(first), "the first model, from scratch");
        assertEquals(ExitCode.OK.code(), retrain(second), "warm-started from the first and better");
        assertEquals(List.of(1, 2), registry.versions("mnist"));
        ModelVersion challenger = registry.version("mnist", 2);
        assertEquals(1, challenger.warmStartedFrom());
        assertNull(registry.version("mnist", 1).warmStartedFrom());
        assertTrue((double) challenger.evaluation().get("accuracy")
                >= (double) challenger.evaluation().get("champion_accuracy") - 0.01, challenger.toString());
        assertEquals(2, registry.resolve("mnist@champion").version());

        assertEquals(ExitCode.NOT_PROMOTED.code(), retrain(second), "a snapshot trained before is skipped");
        assertEquals(List.of(1, 2), registry.versions("mnist"));

        assertEquals(ExitCode.NOT_PROMOTED.code(), retrain(poisoned), "labels permuted: fails its gates");
        ModelVersion refused = registry.version("mnist", 3);
        assertFalse(refused.blessed());
        assertTrue(Files.exists(Path.of(registry.versionDir("mnist", 3)).resolve("NOT_BLESSED")));
        assertEquals(2, registry.resolve("mnist@champion").version(), "the champion stays");

        List<String> before = registry.history("mnist");
        assertEquals(ExitCode.BAD_DATA.code(), retrain(corrupt));
        assertEquals(List.of(1, 2, 3), registry.versions("mnist"));
        assertEquals(before, registry.history("mnist"), "bad data leaves the registry untouched");

        Path third = snapshot("3", slice(train, 6000, 8000), false);
        Lease held = registry.lock("mnist", "another nightly run", "r", Duration.ofMinutes(5), Clock.systemUTC());
        assertEquals(ExitCode.LOCKED.code(), retrain(third));
        // With --wait, the job tries again until the other one lets go.
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(3000);
                held.close();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        releaser.start();
        assertEquals(ExitCode.OK.code(), retrain(third, "--wait", "1"), "waited for the lock, then promoted");
        releaser.join();
        List<String> decisions = new ArrayList<>();
        for (String line : registry.history("mnist")) {
            JsonNode decision = JSON.readTree(line);
            decisions.add(decision.get("decision").asText());
        }
        assertEquals(List.of("promoted", "promoted", "skipped", "not promoted", "promoted"), decisions);
        assertFalse(Files.exists(root.resolve("registry/mnist/lock")), "every job released the lease");
    }

    @Test
    void aSnapshotOnHdfsReadsAsTheSameImages() throws IOException {
        Path local = snapshot("local", slice(TestMnist.fetch().load(Mnist.Split.TRAIN), 0, 500), false);
        try (TestHdfs hdfs = new TestHdfs(root.resolve("hdfs"))) {
            Storage storage = new Storage(hdfs.fileSystem().getConf());
            URI remote = hdfs.uri("snapshots/local");
            for (String file : List.of(RetrainJob.IMAGES, RetrainJob.LABELS)) {
                storage.writeAtomically(Storage.resolve(remote, file), out -> Files.copy(local.resolve(file), out));
            }
            RetrainJob.Snapshot fromHdfs = RetrainJob.Snapshot.read(storage, remote.toString(), 10);
            RetrainJob.Snapshot fromDisk = RetrainJob.Snapshot.read(storage, local.toString(), 10);
            assertEquals(fromDisk.fingerprint(), fromHdfs.fingerprint());
            assertEquals(500, fromHdfs.images().count());
            FileNotFoundException missing = assertThrows(FileNotFoundException.class,
                    () -> RetrainJob.Snapshot.read(storage, hdfs.uri("snapshots/none").toString(), 10));
            assertTrue(missing.getMessage().contains("has no " + RetrainJob.IMAGES), missing.getMessage());
        }
    }
}
