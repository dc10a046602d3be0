package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.gpu.FakeNvidiaSmi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's GPU scheduling without a GPU, as Spark and Horovod test it: standalone Workers discover
 * GPUs through submit/gpu-discovery from a stand-in nvidia-smi, Spark assigns one to each
 * executor, the project's plugin binds it there, and a preflight job checks it before training.
 */
class GpuSchedulingIT {
    private static final Path REPO = ConfigLoaderPaths.repo();

    @TempDir
    Path dir;

    private static int run(Path nvidiaSmi, Path log, String... command) throws Exception {
        return Scripts.finish(Scripts.start(log, Map.of("SPARKTRAIN_NVIDIA_SMI", nvidiaSmi.toString()), command), log,
                10);
    }

    /** Starts a one-Worker cluster offering one GPU of the given kind, submits a small job, stops. */
    private int trainOn(String gpu, Path work) throws Exception {
        Files.createDirectories(work);
        Path smi = FakeNvidiaSmi.write(work, gpu);
        Path cluster = work.resolve("cluster");
        int port = Scripts.freePort();
        assertEquals(0, run(smi, work.resolve("start.log"), "submit/cluster", "start", "--workers", "1", "--gpus", "1",
                "--memory", "3g", "--port", String.valueOf(port), "--ui-port", String.valueOf(Scripts.freePort()),
                "--dir", cluster.toString()), () -> Scripts.read(work.resolve("start.log")));
        try {
            return run(smi, work.resolve("train.log"), "submit/train", "--master", "spark://127.0.0.1:" + port,
                    "--config", REPO.resolve("conf/mnist-lenet.conf").toString(), "--set", "run.root=" + work,
                    "--set", "data.cache-dir=" + TestMnist.cacheDir(), "--set", "data.train-examples=512",
                    "--set", "data.test-examples=128", "--set", "training.epochs=1",
                    "--set", "spark.secret-file=" + cluster.resolve("secret"),
                    "--set", "spark.conf.spark.executor.resource.gpu.amount=1",
                    "--set", "spark.conf.spark.task.resource.gpu.amount=1");
        } finally {
            assertEquals(0, run(smi, work.resolve("stop.log"), "submit/cluster", "stop", "--dir", cluster.toString()));
        }
    }

    /** Everything the executors of the cluster in {@code work} wrote to stderr. */
    private static String executorLogs(Path work) throws IOException {
        StringBuilder logs = new StringBuilder();
        try (Stream<Path> files = Files.walk(work.resolve("cluster"))) {
            for (Path file : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                logs.append(Files.readString(file));
            }
        }
        return logs.toString();
    }

    @Test
    void executorsReceiveTheirGpuAndBindToIt() throws Exception {
        Path work = dir.resolve("a100");
        assertEquals(0, trainOn("0, NVIDIA A100-SXM4-40GB, 8.0", work), () -> Scripts.read(work.resolve("train.log")));
        String executors = executorLogs(work);
        // The CPU build cannot use the GPU, and says so; with -Dbackend=cuda the same call binds ND4J.
        assertTrue(executors.contains("was assigned GPU 0 but runs ND4J's CPU backend"), executors);
        assertTrue(Scripts.read(work.resolve("cluster/logs/worker-1.log")).contains("gpu"), "the Worker offered its GPU");
    }

    @Test
    void anUnsupportedGpuStopsTheJobWithTheReason() throws Exception {
        Path work = dir.resolve("h100");
        int exit = trainOn("0, NVIDIA H100 80GB HBM3, 9.0", work);
        String train = Scripts.read(work.resolve("train.log"));
        assertNotEquals(0, exit, train);
        assertTrue(train.contains("GPU preflight failed"), train);
        assertTrue(train.contains("GPU 0 (NVIDIA H100 80GB HBM3) has compute capability 9.0"), train);
    }
}
