package io.sparktrain.jobs;

import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.loop.TrainingDivergedException;
import io.sparktrain.trainer.registry.LockedException;
import io.sparktrain.trainer.spark.ClusterRefusedException;
import java.io.IOException;
import java.util.Optional;
import org.apache.spark.SparkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a job and turns its outcome into the documented {@link ExitCode}. What the user can fix (a
 * setting, a file, a diverging rate) is reported in one message that names it, without a stack
 * trace; anything else is logged with its stack trace as a failure.
 */
final class JobLauncher {
    private static final Logger log = LoggerFactory.getLogger(JobLauncher.class);

    /** A job's work; returns how it ended when it did not throw. */
    @FunctionalInterface
    interface Job {
        ExitCode run() throws Exception;
    }

    /** Reads a job's command line: empty when it asked for help, which was printed. */
    @FunctionalInterface
    interface Parser<R> {
        Optional<R> parse(String... args);
    }

    /** A job's work on what its command line asked for. */
    @FunctionalInterface
    interface RequestedJob<R> {
        void run(R request) throws Exception;
    }

    private JobLauncher() {}

    /** {@link #launch(String, Job)} for a job whose command line parses into a request. */
    static <R> int launch(String doing, String[] args, Parser<R> parser, RequestedJob<R> job) {
        return launch(doing, () -> {
            Optional<R> request = parser.parse(args);
            if (request.isPresent()) {
                job.run(request.get());
            }
            return ExitCode.OK;
        });
    }

    /** @param doing what the job does, for messages: "train", "generate samples" */
    static int launch(String doing, Job job) {
        try {
            return job.run().code();
        } catch (Exception e) { // Spark throws its checked SparkException undeclared, from Scala
            if (shuttingDown()) {
                // Spark's and Hadoop's shutdown hooks stop the context and close file systems under the job,
                // which then fails in whatever it was doing: that failure is the signal's, not a defect.
                log.warn("Stopped before the job could {}: the JVM is shutting down (SIGTERM, SIGINT or Ctrl-C). "
                        + "Every file it wrote is whole; a training run continues with --resume", doing);
                log.debug("The failure the shutdown caused", e);
                return ExitCode.FAILED.code();
            }
            return failure(doing, e);
        }
    }

    private static int failure(String doing, Exception e) {
        if (e instanceof InvalidConfigException) {
            log.error("Invalid configuration: {}", e.getMessage());
            return ExitCode.BAD_CONFIG.code();
        } else if (e instanceof ClusterRefusedException) {
            log.error("Cannot {}: {}", doing, e.getMessage());
            return ExitCode.CLUSTER_REFUSED.code();
        } else if (e instanceof TrainingDivergedException) {
            log.error("{}", e.getMessage());
            return ExitCode.DIVERGED.code();
        } else if (e instanceof LockedException) {
            log.error("Cannot {}: {}", doing, e.getMessage());
            return ExitCode.LOCKED.code();
        } else if (e instanceof IOException io) {
            return badData(doing, io);
        }
        IOException dataProblem = e instanceof SparkException ? ioCause(e) : null;
        if (dataProblem != null) {
            return badData(doing, dataProblem);
        }
        log.error("Cannot {}: failed unexpectedly", doing, e);
        return ExitCode.FAILED.code();
    }

    /** Whether the JVM runs its shutdown hooks: it then refuses new ones. */
    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    private static int badData(String doing, IOException e) {
        log.error("Cannot {}: {}", doing, e.getMessage());
        log.debug("Stack trace", e);
        return ExitCode.BAD_DATA.code();
    }

    /** An input that could not be read in a Spark task reaches the driver wrapped in the job's failure. */
    private static IOException ioCause(Throwable e) {
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException io) {
                return io;
            }
        }
        return null;
    }
}
