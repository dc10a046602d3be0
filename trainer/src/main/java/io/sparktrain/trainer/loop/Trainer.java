package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.runs.Resume;
import io.sparktrain.trainer.runs.RunDirectory;
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
 * The one way a classifier is trained: {@code submit/train}, the Spark ML estimator and everything
 * built on them call {@link #fit}, which returns the trained network with its run directory.
 */
public final class Trainer {
    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    private Trainer() {}

    /** Trains on the config's dataset; when {@code resume} is given, continues that run. */
    public static TrainedRun fit(JavaSparkContext sc, TrainConfig config, Optional<Resume> resume)
            throws IOException {
        JobLocations locations = JobLocations.of(config);
        // Settings only a running context can judge (executors on a cluster) fail before any data or run.
        SyncStrategy sync = SyncStrategies.create(config, sc);
        Storage storage = new Storage(sc.hadoopConfiguration());
        // Data is fetched, verified and sharded, and a resumed run's checkpoint verified and read,
        // before the run directory is created or changed, so bad data leaves nothing behind.
        TrainingData data = TrainingData.prepare(sc, storage, config, locations);
        RunStart start = RunStart.locate(storage, locations.runRoot(), resume);
        return fit(sc, config, sync, data, start, Optional.empty());
    }

    /**
     * Trains on shards already exported. A resumed run continues from its checkpoint. A new run
     * starts from {@code warmStart} when given, with the config's optimizer (so a fine-tuning
     * learning rate applies); else from the config's initialization.
     */
    public static TrainedRun fit(JavaSparkContext sc, TrainConfig config, SyncStrategy sync, TrainingData data,
            RunStart start, Optional<WarmStart> warmStart) throws IOException {
        int completedEpochs = start.completedEpochs();
        ComputationGraph network;
        if (completedEpochs > 0) {
            network = start.existing().orElseThrow().readCheckpoint(completedEpochs);
        } else {
            network = data.modelSpec(config.model()).newNetwork(config.model().architecture());
            if (warmStart.isPresent()) {
                warmStart.get().applyTo(network, config.model().architecture());
            }
        }
        RunDirectory run = start.begin(sc, data, config);
        if (completedEpochs > 0) {
            log.info("Restored network and updater state from {}", Storage.display(run.checkpointUri(completedEpochs)));
        }
        log.info("Network {}: {} parameters", config.model().architecture(), network.numParams());
        if (completedEpochs >= config.training().epochs()) {
            log.info("Run {} already completed {} of {} epochs; nothing to train", run.id(), completedEpochs,
                    config.training().epochs());
            return new TrainedRun(network, run, completedEpochs);
        }
        // The recorder first: an epoch reported done has its checkpoint on disk; stopping the job then loses nothing.
        TrainingLoop loop = new TrainingLoop(sc, sync, config.training(), config.data().shuffleSeed(),
                List.of(new RunRecorder(run, run.metricLines(completedEpochs)), new ConsoleProgress()));
        ComputationGraph trained = loop.fit(network, completedEpochs, data.train(), data.test(), data.loaders(),
                run.testAccuracies(completedEpochs));
        log.info("Run directory: {}", Storage.display(run.uri()));
        return new TrainedRun(trained, run, trained.getConfiguration().getEpochCount());
    }
}
