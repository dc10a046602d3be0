package io.sparktrain.trainer.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPU binding and preflight without a GPU: a stand-in nvidia-smi and Spark's resource API. */
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

    private GpuPlugin.Executor plugin() throws IOException {
        return new GpuPlugin.Executor(FakeNvidiaSmi.write(dir, A100, RTX4090, H100, K20).toString());
    }

    @Test
    void bindsTheExecutorToTheGpuSparkAssigned() throws IOException {
        GpuPlugin.Executor plugin = plugin();
        plugin.init(executorWith("1"), Map.of());
        assertEquals(1, plugin.boundDevice());
    }

    @Test
    void hopperFailsAtStartWithTheReason() throws IOException {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> plugin().init(executorWith("2"), Map.of()));
        assertTrue(e.getMessage().contains("executor 7 (node-7)"), e.getMessage());
        assertTrue(e.getMessage().contains("GPU 2 (NVIDIA H100 80GB HBM3) has compute capability 9.0"), e.getMessage());
        assertTrue(e.getMessage().contains("sm_37 to sm_86 and no PTX"), e.getMessage());
    }

    @Test
    void tooOldAndUnknownGpusFailToo() throws IOException {
        assertTrue(assertThrows(IllegalStateException.class, () -> plugin().init(executorWith("3"), Map.of()))
                .getMessage().contains("compute capability 3.5"));
        assertTrue(assertThrows(IllegalStateException.class, () -> plugin().init(executorWith("9"), Map.of()))
                .getMessage().contains("GPU 9 was assigned by Spark but nvidia-smi lists only [0, 1, 2, 3]"));
    }

    @Test
    void withoutAGpuNothingIsBound() throws IOException {
        GpuPlugin.Executor plugin = plugin();
        plugin.init(executorWith(), Map.of());
        assertNull(plugin.boundDevice());
    }

    @Test
    void missingNvidiaSmiIsExplained() {
        GpuPlugin.Executor plugin = new GpuPlugin.Executor(dir.resolve("absent").toString());
        assertTrue(assertThrows(IllegalStateException.class, () -> plugin.init(executorWith("0"), Map.of()))
                .getMessage().contains("install the NVIDIA driver on this node or set SPARKTRAIN_NVIDIA_SMI"));
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
