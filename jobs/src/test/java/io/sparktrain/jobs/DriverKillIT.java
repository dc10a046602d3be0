package io.sparktrain.jobs;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver of {@code submit/train}, killed with SIGKILL in each phase of a run that keeps its
 * shards and run directory on a real HDFS (and stopped with SIGTERM in the middle of an epoch), and
 * the run resumed (or, killed before its directory existed, started again): it ends with exactly the
 * parameters of an uninterrupted run, its metrics hold every epoch once, and no file in it is partial
 * or unverifiable.
 */
class DriverKillIT {
    private static final long MINUTES = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    /**
     * Where to kill: a step of a write ({@code Storage.PAUSE_PROPERTY}), or a line of the log; and
     * what the run that follows must log of what the kill left. SIGKILL unless {@code sigterm}.
     */
    private record Phase(String name, String pauseAt, String logLine, String cleanUp, boolean sigterm) {
        Phase(String name, String pauseAt, String logLine, String cleanUp) {
            this(name, pauseAt, logLine, cleanUp, false);
        }
    }

    @Test
    void aDriverKilledInAnyPhaseResumesToTheUninterruptedParameters() throws IOException, InterruptedException {
        try (TestHdfs hdfs = new TestHdfs(work.resolve("hdfs"))) {
            killInEveryPhase(hdfs, new Storage(hdfs.fileSystem().getConf()));
        }
    }

    private void killInEveryPhase(TestHdfs hdfs, Storage storage) throws IOException, InterruptedException {
        URI straight = hdfs.uri("uninterrupted");
        RunDirectory uninterrupted = onlyRun(storage, straight, runToEnd("uninterrupted.log", command(straight)));
        ComputationGraph expected = uninterrupted.readCheckpoint(2);

        List<Phase> phases = List.of(
                new Phase("shard-export", "shard-.*\\.bin@TEMPORARY_WRITTEN", null, "Exported 4096 examples"),
                new Phase("mid-epoch", null, "epoch 2/2  batch ", "resumed after epoch 1"),
                // The checksum is in place, the checkpoint not yet, and epoch 2's metrics line is written.
                new Phase("checkpoint", "epoch-0002\\.zip\\.sha256@REPLACED", null,
                        "1 checkpoint files and 1 metric lines of later work moved to"),
                new Phase("metrics", "metrics\\.jsonl@TEMPORARY_WRITTEN", null, "left by a write that never finished"),
                new Phase("sigterm", null, "epoch 2/2  batch ", "resumed after epoch 1", true));
        for (Phase phase : phases) {
            URI root = hdfs.uri(phase.name());
            kill(phase, root);
            List<String> runs = storage.list(Storage.resolve(root, "runs"));
            String log = phase.name() + "-resumed.log";
            int exit;
            if (runs.isEmpty()) {
                assertEquals("shard-export", phase.name(), "only a kill during the export precedes the run directory");
                exit = runToEnd(log, command(root));
            } else {
                assertEquals(1, runs.size(), runs.toString());
                exit = runToEnd(log, List.of("submit/train", "--resume", runs.get(0), "--set", "run.root=" + root,
                        "--set", "data.cache-dir=" + TestMnist.cacheDir()));
            }
            assertEquals(0, exit, () -> Scripts.read(work.resolve(log)));
            assertTrue(Scripts.read(work.resolve(log)).contains(phase.cleanUp()), () -> phase.name() + ": no '"
                    + phase.cleanUp() + "' in\n" + Scripts.read(work.resolve(log)));
            RunDirectory run = onlyRun(storage, root, exit);
            ComputationGraph resumed = run.readCheckpoint(2);
            assertBitwiseEqual(expected.params(), resumed.params(), phase.name() + ": parameters");
            assertBitwiseEqual(expected.getUpdater().getStateViewArray(), resumed.getUpdater().getStateViewArray(),
                    phase.name() + ": Adam's moments");
            assertWhole(hdfs, storage, run, phase.name());
        }
    }

    /** Starts a training run that pauses (or logs) where {@code phase} says, and kills it there. */
    private void kill(Phase phase, URI root) throws IOException, InterruptedException {
        Path log = work.resolve(phase.name() + ".log");
        Map<String, String> environment = phase.pauseAt() == null ? Map.of()
                : Map.of("SPARKTRAIN_JAVA_OPTS", "-D" + Storage.PAUSE_PROPERTY + "=" + phase.pauseAt());
        Process driver = Scripts.start(log, environment, command(root).toArray(String[]::new));
        String awaited = phase.pauseAt() == null ? phase.logLine() : "PAUSED AT";
        long deadline = System.nanoTime() + MINUTES * 60_000_000_000L;
        while (!Scripts.read(log).contains(awaited)) {
            assertTrue(driver.isAlive(), () -> phase.name() + ": the driver ended before '" + awaited + "':\n"
                    + Scripts.read(log));
            assertTrue(System.nanoTime() < deadline, () -> phase.name() + ": no '" + awaited + "' in time");
            Thread.sleep(20);
        }
        if (!phase.sigterm()) {
            driver.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no finally block runs
            return;
        }
        driver.destroy(); // SIGTERM: the JVM runs its shutdown hooks, Spark's and Hadoop's among them
        assertEquals(128 + 15, driver.waitFor(), "SIGTERM's exit status");
        String stopped = Scripts.read(log);
        assertTrue(stopped.contains("Stopped before the job could train: the JVM is shutting down")
                && !stopped.contains("failed unexpectedly"), stopped);
    }

    private int runToEnd(String logName, List<String> command) throws IOException, InterruptedException {
        Path log = work.resolve(logName);
        return Scripts.finish(Scripts.start(log, Map.of(), command.toArray(String[]::new)), log, MINUTES);
    }

    /** Two epochs of 64 minibatches; the main config's allreduce, stages of 5 steps on 2 workers: 7 rounds an epoch. */
    private static List<String> command(URI root) {
        List<String> command = new ArrayList<>(List.of("submit/train"));
        for (String setting : List.of("run.root=" + root, "data.cache-dir=" + TestMnist.cacheDir(),
                "data.train-examples=4096", "data.test-examples=512", "training.epochs=2",
                "training.report-every-batches=10", "sync.allreduce.steps-per-stage=5", "spark.master=local[2]",
                "spark.conf.spark.ui.enabled=false")) {
            command.addAll(List.of("--set", setting));
        }
        return command;
    }

    private static RunDirectory onlyRun(Storage storage, URI root, int exit) throws IOException {
        assertEquals(0, exit);
        List<String> ids = storage.list(Storage.resolve(root, "runs"));
        assertEquals(1, ids.size(), ids.toString());
        return new RunStore(storage, root).open(ids.get(0));
    }

    /** No temporary file is left, every checkpoint matches its checksum, and each epoch has one metrics line. */
    private static void assertWhole(TestHdfs hdfs, Storage storage, RunDirectory run, String phase)
            throws IOException {
        RemoteIterator<LocatedFileStatus> files =
                hdfs.fileSystem().listFiles(new org.apache.hadoop.fs.Path(run.uri()), true);
        while (files.hasNext()) {
            URI file = files.next().getPath().toUri();
            String name = new org.apache.hadoop.fs.Path(file).getName();
            assertTrue(!Storage.isTemporary(name), phase + ": " + file + " was left by a write never finished");
            if (name.endsWith(".zip")) {
                storage.verifyChecksum(file);
            }
        }
        List<Integer> epochs = new ArrayList<>();
        for (String line : storage.readString(run.metricsUri()).strip().split("\n")) {
            epochs.add(JSON.readTree(line).get("epoch").asInt());
        }
        assertEquals(List.of(1, 2), epochs, phase + ": metrics.jsonl");
        assertEquals(List.of(1, 2), run.checkpointEpochs(), phase);
    }
}
