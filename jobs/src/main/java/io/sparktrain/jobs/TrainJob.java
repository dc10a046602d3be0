package io.sparktrain.jobs;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.Trainer;
import io.sparktrain.trainer.runs.Resume;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.IOException;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Trains a network on Spark as a config describes: fetch and shard the data, build or restore the
 * network, train with the configured synchronization strategy, evaluate, checkpoint and record.
 * Exit codes: {@link ExitCode}.
 */
public final class TrainJob {
    private TrainJob() {}

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return launch("train", JobKind.TRAIN, TrainJob::run, args);
    }

    /** What a training job does with its resolved config and, when resuming, the run to continue. */
    @FunctionalInterface
    interface Runner {
        RunDirectory run(TrainConfig config, Optional<Resume> resume) throws IOException;
    }

    /** Parses a training job's command line and runs it; returns the exit code. Shared by the training jobs. */
    static int launch(String command, JobKind kind, Runner job, String... args) {
        return JobLauncher.launch(command, () -> {
            JobArguments arguments = JobArguments.parse(command, kind, args);
            if (arguments.help()) {
                System.out.print(arguments.usage());
            } else if (arguments.describeConfig()) {
                System.out.print(ConfigSchema.markdownReference());
            } else {
                job.run(arguments.resolveConfig(), arguments.resume());
            }
            return ExitCode.OK;
        });
    }

    /** Trains as {@code config} says; when {@code resume} is given, continues that run. Returns the run. */
    public static RunDirectory run(TrainConfig config, Optional<Resume> resume) throws IOException {
        try (JavaSparkContext sc = SparkContexts.create(config.spark())) {
            return Trainer.fit(sc, config, resume).run();
        }
    }
}
