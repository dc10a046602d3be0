package io.sparktrain.trainer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.NativeLayerOps;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkContextsTest {
    private static TrainConfig.Spark spark(String master, Map<String, String> conf) {
        return new TrainConfig.Spark(master, "app", conf, "2g", "0");
    }

    @Test
    void clusterExecutorsGetContainerRoomForNd4j() {
        SparkConf conf = SparkContexts.sparkConf(spark("spark://127.0.0.1:7077", Map.of("spark.executor.memory", "4g")));
        assertEquals("2458m", conf.get("spark.executor.memoryOverhead"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").contains(
                "-Dorg.bytedeco.javacpp.maxbytes=2048m -Dorg.bytedeco.javacpp.maxphysicalbytes=6554m"));
        assertTrue(!SparkContexts.sparkConf(spark("local[2]", Map.of())).contains("spark.executor.memoryOverhead"),
                "in local mode the launcher sizes the one JVM");
    }

    @Test
    void configuresKryoForNd4jTheSystemClockAeronAndNativeLayerOps() {
        NativeLayerOps.enableInThisJvm();
        SparkConf conf = SparkContexts.sparkConf(spark("local[3]", Map.of()));
        assertEquals("org.apache.spark.serializer.KryoSerializer", conf.get("spark.serializer"));
        assertTrue(conf.get("spark.kryo.registrator").startsWith("org.nd4j.kryo.Nd4jRegistrator,"));
        // Executors build their own networks, so they get the driver's choice of DL4J's native layer ops.
        assertEquals("-Dorg.deeplearning4j.spark.time.TimeSource=org.deeplearning4j.spark.time.SystemClockTimeSource"
                + " -Daeron.publication.unblock.timeout=60000000000 -D" + NativeLayerOps.DISABLE_PROPERTY + "=false",
                conf.get("spark.executor.extraJavaOptions"));
        assertEquals("127.0.0.1", conf.get("spark.driver.bindAddress"));
    }

    @Test
    void userSettingsWinAndExecutorOptionsAreKept() {
        SparkConf conf = SparkContexts.sparkConf(spark("local[3]",
                Map.of("spark.executor.extraJavaOptions", "-Dx=1", "spark.kryoserializer.buffer.max", "256m")));
        assertEquals("256m", conf.get("spark.kryoserializer.buffer.max"));
        assertTrue(conf.get("spark.executor.extraJavaOptions").startsWith("-Dx=1 -Dorg.deeplearning4j"));
    }

    @Test
    void executorsThatRequestGpusGetTheBindingPlugin() {
        SparkConf conf = SparkContexts.sparkConf(spark("local[3]",
                Map.of("spark.executor.resource.gpu.amount", "1", "spark.plugins", "com.example.Other")));
        assertEquals("com.example.Other,io.sparktrain.trainer.gpu.GpuPlugin", conf.get("spark.plugins"));
        assertEquals("PCI_BUS_ID", conf.get("spark.executorEnv.CUDA_DEVICE_ORDER"));
        assertTrue(!SparkContexts.sparkConf(spark("local[3]", Map.of())).contains("spark.plugins"));
    }
}
