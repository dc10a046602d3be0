package io.sparktrain.trainer.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.InvalidConfigException;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class ExecutorMemoryTest {
    private static SparkConf conf(String... keyValues) {
        SparkConf conf = new SparkConf(false);
        for (int i = 0; i < keyValues.length; i += 2) {
            conf.set(keyValues[i], keyValues[i + 1]);
        }
        return conf;
    }

    @Test
    void overheadIsNd4jsLimitPlusTheJvmsShare() {
        ExecutorMemory memory = ExecutorMemory.plan(conf("spark.executor.memory", "8g"), "4g", "0");
        assertEquals(8192, memory.heapMb());
        assertEquals(820, memory.jvmOverheadMb(), "10% of the heap");
        assertEquals(4096 + 820, memory.overheadMb());
        assertEquals(8192 + 4096 + 820, memory.containerMb());
        assertEquals(384, ExecutorMemory.plan(conf(), "1g", "0").jvmOverheadMb(), "Spark's default heap is 1g");
        assertTrue(memory.describe().contains("container 13108 MB"), memory.describe());
    }

    @Test
    void tooSmallAnExplicitOverheadIsRefused() {
        String message = assertThrows(InvalidConfigException.class, () -> ExecutorMemory.plan(
                conf("spark.executor.memory", "4g", "spark.executor.memoryOverhead", "1g"), "2g", "0")).getMessage();
        assertTrue(message.contains("spark.executor.memoryOverhead = 1g is below ND4J's off-heap limit"), message);
        assertTrue(message.contains("at least 2458m"), message);
    }

    @Test
    void containersLargerThanTheClusterGrantsAreRefused() {
        String message = assertThrows(InvalidConfigException.class, () -> ExecutorMemory.plan(
                conf("spark.executor.memory", "8g"), "4g", "12g")).getMessage();
        assertTrue(message.contains("does not fit spark.container-memory-limit = 12g"), message);
        ExecutorMemory.plan(conf("spark.executor.memory", "8g"), "4g", "13g");
    }

    @Test
    void javacppLimitsHaveOneSource() {
        String message = assertThrows(InvalidConfigException.class, () -> ExecutorMemory.plan(
                conf("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=8g"), "2g", "0")).getMessage();
        assertTrue(message.contains("set spark.executor-offheap-memory instead"), message);
    }

    @Test
    void applyingKeepsAnExplicitOverheadAndOtherOptions() {
        SparkConf conf = conf("spark.executor.memoryOverhead", "5g", "spark.executor.extraJavaOptions", "-Dx=1");
        ExecutorMemory.plan(conf, "2g", "0").applyTo(conf);
        assertEquals("5g", conf.get("spark.executor.memoryOverhead"));
        assertEquals("-Dx=1 -Dorg.bytedeco.javacpp.maxbytes=2048m -Dorg.bytedeco.javacpp.maxphysicalbytes=3456m",
                conf.get("spark.executor.extraJavaOptions"));
    }
}
