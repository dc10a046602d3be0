package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
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
 *
 * <p>Exit codes: 0 trained; 2 bad command line or config; 3 bad data, shards or run directory;
 * 1 anything else.
 */
public final class TrainJob {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_CONFIG = 2;
    static final int BAD_DATA = 3;
    private static final Logger log = LoggerFactory.getLogger(TrainJob.class);

    private TrainJob() {}

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return launch(TrainJob::run, args);
    }

    /** What a training job does with its resolved config and, when resuming, the run to continue. */
    @FunctionalInterface
    interface Runner {
        RunDirectory run(TrainConfig config, Optional<String> resumeRunId) throws IOException;
    }

    /** Parses a training job's arguments and runs it; returns the exit code. Shared by the training jobs. */
    static int launch(Runner job, String... args) {
        try {
            JobArguments arguments = JobArguments.parse(args);
            if (arguments.describeConfig()) {
                System.out.print(ConfigSchema.markdownReference());
                return OK;
            }
            job.run(arguments.resolveConfig(), arguments.resumeRunId());
            return OK;
        } catch (InvalidConfigException e) {
            log.error("Invalid configuration: {}", e.getMessage());
            return BAD_CONFIG;
        } catch (IOException e) {
            log.error("Cannot train: {}", e.getMessage(), e);
            return BAD_DATA;
        } catch (RuntimeException e) {
            log.error("Training failed", e);
            return FAILED;
        }
    }

    /**
     * A new run directory, or the one to resume, holding the resolved config; image data's classes
     * are kept in it, or checked against the ones it kept.
     */
    static RunDirectory startRun(JavaSparkContext sc, JobData data, JobLocations locations, TrainConfig config,
            Optional<String> resumeRunId) throws IOException {
        RunStore runs = new RunStore(new Storage(sc.hadoopConfiguration()), locations.runRoot());
        RunDirectory run = resumeRunId.isPresent() ? runs.open(resumeRunId.get()) : runs.create(config.run().name());
        if (data.classes().isPresent()) {
            run.keepOrCheckClasses(data.classes().get().toText());
        }
        String resolved = ConfigLoader.render(config);
        run.writeConfig(resolved);
        log.info("Run {} in {} ({}), Spark master {}, default parallelism {}", run.id(), Storage.display(run.uri()),
                resumeRunId.isPresent() ? "resumed after epoch " + run.lastCheckpointEpoch().orElse(0) : "new",
                sc.master(), sc.defaultParallelism());
        log.info("Resolved config:\n{}", resolved);
        return run;
    }

    /** Trains as {@code config} says; when {@code resumeRunId} is given, continues that run. Returns the run. */
    public static RunDirectory run(TrainConfig config, Optional<String> resumeRunId) throws IOException {
        JobData.requireDistributedDataset(config);
        JobData.requireClassifier(config);
        JobLocations locations = JobLocations.of(config);
        try (JavaSparkContext sc = SparkContexts.create(config.spark())) {
            Storage storage = new Storage(sc.hadoopConfiguration());
            // Data is fetched, verified and sharded before the run directory exists, so bad data
            // leaves nothing behind.
            JobData data = JobData.prepare(sc, storage, config, locations);

            RunDirectory run = startRun(sc, data, locations, config, resumeRunId);
            int completedEpochs = run.lastCheckpointEpoch().orElse(0);

            ComputationGraph network;
            if (completedEpochs > 0) {
                network = run.readCheckpoint(completedEpochs);
                log.info("Restored network and updater state from {}", run.checkpointUri(completedEpochs));
            } else {
                network = data.modelSpec(config.model()).newNetwork(config.model().architecture());
            }
            log.info("Network {}: {} parameters", config.model().architecture(), network.numParams());

            if (completedEpochs >= config.training().epochs()) {
                log.info("Run {} already completed {} of {} epochs; nothing to train", run.id(), completedEpochs,
                        config.training().epochs());
                return run;
            }
            SyncStrategy sync = SyncStrategies.create(config, sc);
            TrainingLoop loop = new TrainingLoop(sc, sync, config.training(), config.data().shuffleSeed(),
                    List.of(new ConsoleProgress(), new RunRecorder(run, run.metricLines(completedEpochs))));
            loop.fit(network, completedEpochs, data.train(), data.test(), data.loaders(),
                    run.testAccuracies(completedEpochs));
            log.info("Run directory: {}", Storage.display(run.uri()));
            return run;
        }
    }
}
