package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.testing.TestMnist;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job submitted through Spark's SparkSubmit to a real standalone cluster on loopback: one
 * Master and two Worker JVMs started by submit/cluster, each Worker launching its own executor JVM.
 */
class StandaloneClusterIT {
    private static final Path REPO = ConfigLoaderPaths.repo();

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Runs a repository script to its end; returns its exit code, its output in {@code log}. */
    private static int run(Path log, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(command));
        line.set(0, REPO.resolve(command[0]).toString());
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPARKTRAIN_SKIP_BUILD", "1");
        builder.environment().put("SPARKTRAIN_HEAP", "2g");
        builder.environment().remove("SPARK_HOME");
        Process process = builder.start();
        if (!process.waitFor(15, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish; see " + log);
        }
        return process.exitValue();
    }

    @Test
    void trainsOnTwoWorkerJvmsAndStopsCleanly() throws Exception {
        int port = freePort();
        Path cluster = dir.resolve("cluster");
        Path startLog = dir.resolve("start.log");
        assertEquals(0, run(startLog, "submit/cluster", "start", "--workers", "2", "--memory", "3g",
                "--port", String.valueOf(port), "--ui-port", String.valueOf(freePort()), "--dir", cluster.toString()),
                Files.readString(startLog));
        Path trainLog = dir.resolve("train.log");
        try {
            int exit = run(trainLog, "submit/train", "--master", "spark://127.0.0.1:" + port,
                    "--config", REPO.resolve("conf/mnist-lenet.conf").toString(),
                    "--set", "run.root=" + dir, "--set", "data.cache-dir=" + TestMnist.cacheDir(),
                    "--set", "data.train-examples=8000", "--set", "data.test-examples=1000",
                    "--set", "training.epochs=2");
            assertEquals(0, exit, Files.readString(trainLog));
        } finally {
            Path stopLog = dir.resolve("stop.log");
            assertEquals(0, run(stopLog, "submit/cluster", "stop", "--dir", cluster.toString()));
        }

        Path metrics;
        try (Stream<Path> files = Files.walk(dir.resolve("runs"))) {
            metrics = files.filter(p -> p.getFileName().toString().equals("metrics.jsonl")).findFirst().orElseThrow();
        }
        List<String> lines = Files.readAllLines(metrics);
        JsonNode last = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertEquals(2, last.get("epoch").asInt());
        // Same data and epochs as TrainJobTest's local run (94.5%); the bar leaves room for other CPUs.
        assertTrue(last.get("test_accuracy").asDouble() >= 0.93, last.toString());
        assertTrue(Files.exists(metrics.resolveSibling("checkpoints").resolve("epoch-0002.zip")));

        // Each Worker launched an executor JVM of its own for the application.
        for (String worker : List.of("worker-1", "worker-2")) {
            try (Stream<Path> files = Files.walk(cluster.resolve(worker))) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().equals("stderr")),
                        worker + " ran no executor");
            }
        }
        try (Stream<Path> pids = Files.list(cluster).filter(p -> p.toString().endsWith(".pid"))) {
            assertEquals(0, pids.count(), "stop removes every pid file");
        }
        String master = Files.readString(cluster.resolve("logs/master.log"));
        assertTrue(master.contains("Registering worker"), "the master saw its workers");
    }
}
