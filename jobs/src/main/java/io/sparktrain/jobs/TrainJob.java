package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.jobs.JobArguments.Resume;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.ConsoleProgress;
import io.sparktrain.trainer.loop.RunRecorder;
import io.sparktrain.trainer.loop.TrainingLoop;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import io.sparktrain.trainer.spark.SparkContexts;
import io.sparktrain.trainer.sync.SyncStrategies;
import io.sparktrain.trainer.sync.SyncStrategy;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network on Spark as a config describes: fetch and shard the data, build or restore the
 * network, train with the configured synchronization strategy, evaluate, checkpoint and record.
 * Exit codes: {@link ExitCode}.
 */
public final class TrainJob {
    private static final Logger log = LoggerFactory.getLogger(TrainJob.class);

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

    /**
     * Where a run starts: a new one, or an existing one after the epoch it continues from. Nothing
     * is written until {@link #begin}, so every check before it leaves the run store as it was.
     */
    record RunStart(RunStore runs, Optional<RunDirectory> existing, int completedEpochs) {
        /** Finds the run to resume and the checkpoint it continues from; for a new run, nothing. */
        static RunStart locate(Storage storage, JobLocations locations, Optional<Resume> resume) throws IOException {
            RunStore runs = new RunStore(storage, locations.runRoot());
            if (resume.isEmpty()) {
                return new RunStart(runs, Optional.empty(), 0);
            }
            RunDirectory run = runs.open(resume.get().runId());
            List<Integer> epochs = run.checkpointEpochs();
            int from = resume.get().fromEpoch().orElse(epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1));
            if (resume.get().fromEpoch().isPresent() && !epochs.contains(from)) {
                throw new InvalidConfigException("--from-epoch " + from + ": run " + run.id() + " has "
                        + (epochs.isEmpty() ? "no checkpoint" : "checkpoints of epochs " + epochs));
            }
            return new RunStart(runs, Optional.of(run), from);
        }

        /**
         * Creates the new run directory, or sets work after the continued epoch aside; then keeps the
         * resolved config and, for image data, the classes (or checks them against the kept ones).
         */
        RunDirectory begin(JavaSparkContext sc, JobData data, TrainConfig config) throws IOException {
            RunDirectory run = existing.isPresent() ? existing.get() : runs.create(config.run().name());
            if (data.classes().isPresent()) {
                run.keepOrCheckClasses(data.classes().get().toText());
            }
            if (existing.isPresent()) {
                run.continueAfter(completedEpochs);
            }
            String resolved = ConfigLoader.render(config);
            run.writeConfig(resolved);
            log.info("Run {} in {} ({}), Spark master {}, default parallelism {}", run.id(), Storage.display(run.uri()),
                    existing.isPresent() ? "resumed after epoch " + completedEpochs : "new", sc.master(),
                    sc.defaultParallelism());
            log.info("Resolved config:\n{}", resolved);
            return run;
        }
    }

    /** Trains as {@code config} says; when {@code resume} is given, continues that run. Returns the run. */
    public static RunDirectory run(TrainConfig config, Optional<Resume> resume) throws IOException {
        JobLocations locations = JobLocations.of(config);
        try (JavaSparkContext sc = SparkContexts.create(config.spark())) {
            // Settings only a running context can judge (executors on a cluster) fail before any data or run.
            SyncStrategy sync = SyncStrategies.create(config, sc);
            Storage storage = new Storage(sc.hadoopConfiguration());
            // Data is fetched, verified and sharded, and a resumed run's checkpoint verified and read,
            // before the run directory is created or changed, so bad data leaves nothing behind.
            JobData data = JobData.prepare(sc, storage, config, locations);
            RunStart start = RunStart.locate(storage, locations, resume);
            int completedEpochs = start.completedEpochs();
            ComputationGraph network = completedEpochs > 0
                    ? start.existing().orElseThrow().readCheckpoint(completedEpochs)
                    : data.modelSpec(config.model()).newNetwork(config.model().architecture());
            RunDirectory run = start.begin(sc, data, config);
            if (completedEpochs > 0) {
                log.info("Restored network and updater state from {}",
                        Storage.display(run.checkpointUri(completedEpochs)));
            }
            log.info("Network {}: {} parameters", config.model().architecture(), network.numParams());

            if (completedEpochs >= config.training().epochs()) {
                log.info("Run {} already completed {} of {} epochs; nothing to train", run.id(), completedEpochs,
                        config.training().epochs());
                return run;
            }
            TrainingLoop loop = new TrainingLoop(sc, sync, config.training(), config.data().shuffleSeed(),
                    List.of(new ConsoleProgress(), new RunRecorder(run, run.metricLines(completedEpochs))));
            loop.fit(network, completedEpochs, data.train(), data.test(), data.loaders(),
                    run.testAccuracies(completedEpochs));
            log.info("Run directory: {}", Storage.display(run.uri()));
            return run;
        }
    }
}
