package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktrain.trainer.gpu.FakeNvidiaSmi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** submit/gpu-discovery speaks the JSON Spark's resource scheduling reads, from nvidia-smi's list. */
class GpuDiscoveryScriptTest {
    @TempDir
    Path dir;

    private static String discover(Path nvidiaSmi) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ConfigLoaderPaths.repo().resolve("submit/gpu-discovery").toString());
        builder.environment().put("SPARKTRAIN_NVIDIA_SMI", nvidiaSmi.toString());
        Process process = builder.redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, process.exitValue(), out);
        return out.strip();
    }

    @Test
    void reportsEveryGpuInSparksFormat() throws Exception {
        Path smi = FakeNvidiaSmi.write(dir, "0, NVIDIA A100-SXM4-40GB, 8.0", "1, NVIDIA A100-SXM4-40GB, 8.0");
        ResourceInformation gpus = ResourceInformation.parseJson(discover(smi));
        assertEquals("gpu", gpus.name());
        assertArrayEquals(new String[] {"0", "1"}, gpus.addresses());
    }
}
