package io.sparktrain.datasets.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparktrain.datasets.testing.TestSpark;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;

class SparkJobsTest {

    /** The group and description each job started with, as Spark's UI and event log show them. */
    private record Named(String group, String description) {}

    @Test
    void jobsCarryTheirNameAndTheCallersNameComesBack() throws Exception {
        List<Named> started = new CopyOnWriteArrayList<>();
        try (JavaSparkContext sc = TestSpark.start(1)) {
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onJobStart(SparkListenerJobStart job) {
                    started.add(new Named(job.properties().getProperty("spark.jobGroup.id"),
                            job.properties().getProperty("spark.job.description")));
                }
            });
            sc.setJobGroup("caller", "the caller's own", false);
            long count = SparkJobs.named(sc, "shard-export", "shard export, mnist-train", () -> {
                SparkJobs.named(sc, "shard-check", "shard check, mnist-train", () -> sc.parallelize(List.of(1))
                        .count());
                return sc.parallelize(List.of(1, 2, 3)).count();
            });
            assertEquals(3, count);
            sc.parallelize(List.of(1)).count();
            assertThrows(IOException.class, () -> SparkJobs.named(sc, "failing", "fails", () -> {
                throw new IOException("bad shard");
            }));
            sc.clearJobGroup();
            sc.parallelize(List.of(1)).count();
            sc.sc().listenerBus().waitUntilEmpty();
        }
        assertEquals(List.of(new Named("shard-check", "shard check, mnist-train"),
                new Named("shard-export", "shard export, mnist-train"), new Named("caller", "the caller's own"),
                new Named(null, null)), started, "the inner name, the outer, the caller's again, then none");
    }
}
