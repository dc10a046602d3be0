package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.idx.IdxWriter;
import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.registry.ModelRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * submit/retrain killed with SIGKILL in each of its steps, with its runs and registry on a real
 * HDFS, then run again once the dead job's lease has expired: the registry stays consistent (the
 * champion is the old or the new version, never missing; no version partial) and the rerun
 * completes the work. Then a rollback through submit/registry, and the champion it restores
 * loads; and two jobs started at once, of which one works and the other is locked out. About
 * three minutes: every job is a JVM of its own.
 */
class RetrainKillIT {
    private static final long MINUTES = 10;
    private static final int LEASE_SECONDS = 10;

    @TempDir
    Path work;

    @Test
    void aRetrainKilledInAnyStepLeavesTheRegistryWholeAndTheRerunFinishes() throws Exception {
        LabeledImages train = TestMnist.fetch().load(Mnist.Split.TRAIN);
        try (TestHdfs hdfs = new TestHdfs(work.resolve("hdfs"))) {
            URI root = hdfs.uri("sparktrain");
            ModelRegistry registry = new ModelRegistry(new Storage(hdfs.fileSystem().getConf()), root);

            killThenRerun(root, snapshot("1", train, 0), "training", "epoch-0001\\.zip@TEMPORARY_WRITTEN",
                    ExitCode.OK);
            assertEquals(List.of(1), registry.versions("mnist"));
            assertEquals(1, registry.resolve("mnist@champion").version());

            // The version is in place, the champion not yet moved to it: the rerun moves it, adds nothing.
            killThenRerun(root, snapshot("2", train, 1024), "before the alias",
                    "000002\\.json@TEMPORARY_WRITTEN", ExitCode.OK);
            assertEquals(List.of(1, 2), registry.versions("mnist"));
            assertEquals(2, registry.resolve("mnist@champion").version());

            // Promoted, the decision not yet recorded: the work is done, the rerun finds it so.
            killThenRerun(root, snapshot("3", train, 2048), "history", "history\\.jsonl@TEMPORARY_WRITTEN",
                    ExitCode.NOT_PROMOTED);
            assertEquals(List.of(1, 2, 3), registry.versions("mnist"));
            assertEquals(3, registry.resolve("mnist@champion").version());

            // Killed while the version's files are written: a hidden directory the rerun clears.
            killThenRerun(root, snapshot("4", train, 3072), "version files", "version\\.json@TEMPORARY_WRITTEN",
                    ExitCode.OK);
            assertEquals(List.of(1, 2, 3, 4), registry.versions("mnist"));
            assertEquals(List.of(), hdfs.list(Storage.resolve(registry.directory(), "mnist/versions")).stream()
                    .filter(name -> name.startsWith(".")).toList(), "no hidden version left");

            assertEquals(0, RegistryJob.launch("rollback", "mnist", "--reason", "worse in production",
                    "--registry-root", root.toString()));
            assertEquals(3, registry.resolve("mnist@champion").version());
            assertTrue(registry.network("mnist", 3).numParams() > 0, "the restored champion loads");
            List<String> decisions = registry.history("mnist").stream()
                    .map(line -> line.replaceAll(".*\"decision\":\"([^\"]+)\".*", "$1")).toList();
            assertEquals(List.of("promoted", "promoted", "skipped", "promoted"), decisions);

            // Two jobs started at once, as overlapping schedules start them: one works, one is locked out.
            Path logA = work.resolve("at-once-a.log");
            Path logB = work.resolve("at-once-b.log");
            Process a = Scripts.start(logA, Map.of(), command(root, snapshot("5", train, 4096)));
            Process b = Scripts.start(logB, Map.of(), command(root, snapshot("6", train, 5120)));
            List<Integer> exits = new ArrayList<>(List.of(Scripts.finish(a, logA, MINUTES),
                    Scripts.finish(b, logB, MINUTES)));
            exits.sort(null);
            assertEquals(List.of(ExitCode.OK.code(), ExitCode.LOCKED.code()), exits,
                    () -> Scripts.read(logA) + "\n" + Scripts.read(logB));
            assertEquals(List.of(1, 2, 3, 4, 5), registry.versions("mnist"));
        }
    }

    private Path snapshot(String name, LabeledImages train, int from) throws IOException {
        Path dir = Files.createDirectories(work.resolve("snapshots").resolve(name));
        int pixels = train.pixelsPerImage();
        int count = 1024;
        try (OutputStream out = Files.newOutputStream(dir.resolve(RetrainJob.IMAGES))) {
            IdxWriter.writeImages(out, Arrays.copyOfRange(train.pixels(), from * pixels, (from + count) * pixels),
                    count, train.rows(), train.cols());
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(RetrainJob.LABELS))) {
            IdxWriter.writeLabels(out, Arrays.copyOfRange(train.labels(), from, from + count));
        }
        return dir;
    }

    /** Runs a retrain until it pauses at {@code pauseAt}, kills it, waits out its lease and runs it again. */
    private void killThenRerun(URI root, Path snapshot, String step, String pauseAt, ExitCode expected)
            throws IOException, InterruptedException {
        Path log = work.resolve(snapshot.getFileName() + "-killed.log");
        Process job = Scripts.start(log, Map.of("SPARKTRAIN_JAVA_OPTS", "-D" + Storage.PAUSE_PROPERTY + "=" + pauseAt),
                command(root, snapshot));
        long deadline = System.nanoTime() + MINUTES * 60_000_000_000L;
        while (!Scripts.read(log).contains("PAUSED AT")) {
            assertTrue(job.isAlive(), () -> step + ": the job ended before pausing:\n" + Scripts.read(log));
            assertTrue(System.nanoTime() < deadline, step + ": no pause in time");
            Thread.sleep(20);
        }
        job.destroyForcibly().waitFor(); // SIGKILL: no finally block releases the lease
        Path locked = work.resolve(snapshot.getFileName() + "-locked.log");
        assertEquals(ExitCode.LOCKED.code(), Scripts.finish(Scripts.start(locked, Map.of(), command(root, snapshot)),
                locked, MINUTES), step + ": the dead job's lease still holds");
        Thread.sleep((LEASE_SECONDS + 1) * 1000L);
        Path rerun = work.resolve(snapshot.getFileName() + "-rerun.log");
        int exit = Scripts.finish(Scripts.start(rerun, Map.of(), command(root, snapshot)), rerun, MINUTES);
        assertEquals(expected.code(), exit, () -> step + ":\n" + Scripts.read(rerun));
    }

    private static String[] command(URI root, Path snapshot) {
        List<String> command = new ArrayList<>(List.of("submit/retrain", "--config",
                ConfigLoaderPaths.repo().resolve("conf/retrain-mnist.conf").toString(), "--data", snapshot.toString()));
        for (String setting : List.of("run.root=" + root, "registry.root=" + root, "data.cache-dir="
                + TestMnist.cacheDir(), "data.test-examples=256", "training.epochs=2",
                "retrain.gates.min-accuracy=0.3", "retrain.gates.min-accuracy-delta=-1",
                "retrain.lease-seconds=" + LEASE_SECONDS, "spark.master=local[2]",
                "spark.conf.spark.ui.enabled=false")) {
            command.addAll(List.of("--set", setting));
        }
        return command.toArray(String[]::new);
    }
}
