package io.sparktrain.datasets.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Names the Spark jobs a piece of work starts, so that Spark's UI and history server read as the
 * training's own timeline ("epoch 3/5, round 12/188, parameter averaging") instead of a wall of
 * anonymous jobs. The group and description are thread-local properties of the context; the
 * caller's own are put back afterwards, so named work can nest.
 */
public final class SparkJobs {
    private static final String GROUP = "spark.jobGroup.id";
    private static final String DESCRIPTION = "spark.job.description";
    private static final String INTERRUPT = "spark.job.interruptOnCancel";

    /** Work that starts Spark jobs. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    private SparkJobs() {}

    /**
     * Runs {@code work} with its jobs in {@code group} (which {@code cancelJobGroup} cancels, with
     * their tasks interrupted) and described as {@code description}.
     */
    public static <T, E extends Exception> T named(JavaSparkContext sc, String group, String description,
            Work<T, E> work) throws E {
        SparkContext context = sc.sc();
        String outerGroup = context.getLocalProperty(GROUP);
        String outerDescription = context.getLocalProperty(DESCRIPTION);
        String outerInterrupt = context.getLocalProperty(INTERRUPT);
        context.setJobGroup(group, description, true);
        try {
            return work.run();
        } finally {
            context.setLocalProperty(GROUP, outerGroup);
            context.setLocalProperty(DESCRIPTION, outerDescription);
            context.setLocalProperty(INTERRUPT, outerInterrupt);
        }
    }
}
