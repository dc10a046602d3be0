package io.sparktrain.trainer.spark;

import io.sparktrain.trainer.config.InvalidConfigException;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.network.util.JavaUtils;

/**
 * What an executor container must hold: the JVM heap, ND4J's off-heap arrays (allocated by JavaCPP
 * outside the heap, so invisible to Spark's accounting) and the JVM's own overhead. YARN and
 * Kubernetes kill a container that outgrows {@code spark.executor.memory +
 * spark.executor.memoryOverhead}, so the overhead must include ND4J's limit; JavaCPP is told both
 * limits so it fails an allocation with a clear error before the container is killed.
 */
public record ExecutorMemory(long heapMb, long offHeapMb, long jvmOverheadMb) {
    /** Spark's own defaults for the JVM's share: 10% of the heap, at least 384 MB. */
    static final long MIN_JVM_OVERHEAD_MB = 384;
    static final double JVM_OVERHEAD_FACTOR = 0.10;
    private static final String HEAP = "spark.executor.memory";
    private static final String OVERHEAD = "spark.executor.memoryOverhead";
    private static final String JAVA_OPTIONS = "spark.executor.extraJavaOptions";
    private static final String MAX_BYTES = "org.bytedeco.javacpp.maxbytes";

    public long overheadMb() {
        return offHeapMb + jvmOverheadMb;
    }

    public long containerMb() {
        return heapMb + overheadMb();
    }

    /**
     * Plans the executors of {@code conf} for an ND4J off-heap limit of {@code offHeap} and refuses
     * settings that cannot work: an explicit memoryOverhead below what ND4J needs, a JavaCPP limit
     * set behind the planner's back, or a container larger than {@code containerLimit} ("0" when unknown).
     */
    public static ExecutorMemory plan(SparkConf conf, String offHeap, String containerLimit) {
        long heapMb = JavaUtils.byteStringAsMb(conf.get(HEAP, "1g"));
        long jvmOverheadMb = Math.max(MIN_JVM_OVERHEAD_MB, (long) Math.ceil(heapMb * JVM_OVERHEAD_FACTOR));
        ExecutorMemory plan = new ExecutorMemory(heapMb, JavaUtils.byteStringAsMb(offHeap), jvmOverheadMb);
        if (conf.get(JAVA_OPTIONS, "").contains(MAX_BYTES)) {
            throw new InvalidConfigException(JAVA_OPTIONS + " sets -D" + MAX_BYTES + "; set spark.executor-offheap-memory"
                    + " instead, so the container's memoryOverhead is sized for it");
        }
        if (conf.contains(OVERHEAD) && JavaUtils.byteStringAsMb(conf.get(OVERHEAD)) < plan.overheadMb()) {
            throw new InvalidConfigException(String.format(Locale.ROOT, "%s = %s is below ND4J's off-heap limit"
                    + " (spark.executor-offheap-memory = %s) plus the JVM's overhead (%d MB): raise it to at least"
                    + " %dm, or lower spark.executor-offheap-memory", OVERHEAD, conf.get(OVERHEAD), offHeap,
                    jvmOverheadMb, plan.overheadMb()));
        }
        long limitMb = JavaUtils.byteStringAsMb(containerLimit);
        if (limitMb > 0 && plan.containerMb() > limitMb) {
            throw new InvalidConfigException(String.format(Locale.ROOT, "executors need %s; that does not fit"
                    + " spark.container-memory-limit = %s: lower %s or spark.executor-offheap-memory",
                    plan.describe(), containerLimit, HEAP));
        }
        return plan;
    }

    /** Sets memoryOverhead (unless given) and JavaCPP's limits on the executors. */
    public void applyTo(SparkConf conf) {
        conf.setIfMissing(OVERHEAD, overheadMb() + "m");
        String options = String.format(Locale.ROOT, "-D%s=%dm -Dorg.bytedeco.javacpp.maxphysicalbytes=%dm",
                MAX_BYTES, offHeapMb, containerMb());
        conf.set(JAVA_OPTIONS, (conf.get(JAVA_OPTIONS, "") + " " + options).strip());
    }

    public String describe() {
        return String.format(Locale.ROOT, "heap %d MB + ND4J off-heap %d MB + JVM overhead %d MB = container %d MB"
                + " (spark.executor.memoryOverhead %d MB)", heapMb, offHeapMb, jvmOverheadMb, containerMb(),
                overheadMb());
    }
}
