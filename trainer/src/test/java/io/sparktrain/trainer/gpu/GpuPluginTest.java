package io.sparktrain.trainer.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** GPU binding and preflight without a GPU: Spark's resource API and a stand-in nvidia-smi. */
class GpuPluginTest {
    private static final String A100 = "0, NVIDIA A100-SXM4-40GB, 8.0";
    private static final String RTX4090 = "1, NVIDIA GeForce RTX 4090, 8.9";
    private static final String H100 = "2, NVIDIA H100 80GB HBM3, 9.0";
    private static final String K20 = "3, Tesla K20Xm, 3.5";

    @TempDir
    Path dir;

    /** What an executor sees when Spark assigned it {@code addresses}. */
    private static PluginContext executorWith(String... addresses) {
        Map<String, ResourceInformation> resources = addresses.length == 0 ? Map.of()
                : Map.of("gpu", new ResourceInformation("gpu", addresses));
        return new PluginContext() {
            public MetricRegistry metricRegistry() {
                return new MetricRegistry();
            }

            public SparkConf conf() {
                return new SparkConf(false);
            }

            public String executorID() {
                return "7";
            }

            public String hostname() {
                return "node-7";
            }

            public Map<String, ResourceInformation> resources() {
                return resources;
            }

            public void send(Object message) {}

            public Object ask(Object message) {
                return null;
            }
        };
    }

    private GpuPreflight preflight() throws IOException {
        return new GpuPreflight(FakeNvidiaSmi.write(dir, A100, RTX4090, H100, K20).toString());
    }

    @Test
    void bindsTheExecutorToTheGpuSparkAssigned() {
        GpuPlugin.Executor plugin = new GpuPlugin.Executor();
        plugin.init(executorWith("1"), Map.of());
        assertEquals(1, plugin.boundDevice());
    }

    @Test
    void withoutAGpuNothingIsBound() {
        GpuPlugin.Executor plugin = new GpuPlugin.Executor();
        plugin.init(executorWith(), Map.of());
        assertNull(plugin.boundDevice());
    }

    @Test
    void supportedGpusPass() throws IOException {
        preflight().check(List.of("0", "1"));
    }

    @Test
    void hopperFailsWithTheReason() throws IOException {
        GpuPreflight preflight = preflight();
        String message = assertThrows(IOException.class, () -> preflight.check(List.of("2"))).getMessage();
        assertTrue(message.contains("GPU 2 (NVIDIA H100 80GB HBM3) has compute capability 9.0"), message);
        assertTrue(message.contains("sm_37 to sm_86 and no PTX"), message);
    }

    @Test
    void tooOldAndUnknownGpusFailToo() throws IOException {
        GpuPreflight preflight = preflight();
        assertTrue(assertThrows(IOException.class, () -> preflight.check(List.of("3"))).getMessage()
                .contains("compute capability 3.5"));
        assertTrue(assertThrows(IOException.class, () -> preflight.check(List.of("9"))).getMessage()
                .contains("GPU 9 was assigned by Spark but nvidia-smi lists only [0, 1, 2, 3]"));
    }

    @Test
    void missingNvidiaSmiIsExplained() {
        GpuPreflight preflight = new GpuPreflight(dir.resolve("absent").toString());
        assertTrue(assertThrows(IOException.class, () -> preflight.check(List.of("0"))).getMessage()
                .contains("install the NVIDIA driver on this node or set SPARKTRAIN_NVIDIA_SMI"));
    }

    @Test
    @Timeout(60)
    void aHungNvidiaSmiTimesOut() throws IOException {
        Path hung = dir.resolve("hung-nvidia-smi");
        Files.writeString(hung, "#!/bin/sh\necho 'partial output'\nexec sleep 600\n");
        assertTrue(hung.toFile().setExecutable(true));
        GpuPreflight preflight = new GpuPreflight(hung.toString(), Duration.ofSeconds(2));
        long start = System.nanoTime();
        String message = assertThrows(IOException.class, () -> preflight.check(List.of("0"))).getMessage();
        assertTrue(message.contains("did not answer in 2 s"), message);
        assertTrue((System.nanoTime() - start) / 1e9 < 30, "the timeout fired");
    }

    @Test
    void supportedArchitecturesFollowCubinCompatibility() {
        for (String ok : List.of("3.7", "5.0", "5.3", "6.1", "7.5", "8.6", "8.7", "8.9")) {
            String[] v = ok.split("\\.");
            assertTrue(new GpuPreflight.Gpu("0", "x", Integer.parseInt(v[0]), Integer.parseInt(v[1])).supported(), ok);
        }
        for (String no : List.of("3.0", "3.5", "9.0", "10.0", "12.0")) {
            String[] v = no.split("\\.");
            assertTrue(!new GpuPreflight.Gpu("0", "x", Integer.parseInt(v[0]), Integer.parseInt(v[1])).supported(), no);
        }
    }
}
