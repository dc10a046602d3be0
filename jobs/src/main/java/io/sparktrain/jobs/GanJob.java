package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.GanModels;
import io.sparktrain.trainer.gan.GanNetworks;
import io.sparktrain.trainer.gan.GanRecorder;
import io.sparktrain.trainer.gan.GanTraining;
import io.sparktrain.trainer.gan.SampleJudge;
import io.sparktrain.trainer.loop.JobLocations;
import io.sparktrain.trainer.loop.RunStart;
import io.sparktrain.trainer.loop.TrainingData;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.runs.Resume;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a generative adversarial network ({@code model.architecture = gan | dcgan}) on Spark:
 * fetch and shard the images, build or restore both networks, train them in alternation, and
 * keep checkpoints, samples, metrics and loss curves in the run directory.
 *
 * Exit codes: {@link ExitCode}.
 */
public final class GanJob {
    private static final Logger log = LoggerFactory.getLogger(GanJob.class);

    private GanJob() {}

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return TrainJob.launch("gan", JobKind.GAN, GanJob::run, args);
    }

    /** Trains as {@code config} says; when {@code resume} is given, continues that run. Returns the run. */
    public static RunDirectory run(TrainConfig config, Optional<Resume> resume) throws IOException {
        String architecture = config.model().architecture();
        JobLocations locations = JobLocations.of(config);
        try (JavaSparkContext sc = SparkContexts.create(config.spark())) {
            Storage storage = new Storage(sc.hadoopConfiguration());
            // Data, the judge and a resumed run's checkpoints are read and checked before the run
            // directory is created or changed, so a bad one leaves nothing behind.
            TrainingData data = TrainingData.prepare(sc, storage, config, locations);
            Optional<SampleJudge> judge = Optional.empty();
            if (config.gan().classifier().isEmpty()) {
                log.info("{} is not set: samples are not scored", ConfigSchema.CLASSIFIER.key());
            } else {
                judge = Optional.of(SampleJudges.load(storage, locations.runRoot(), config.gan().classifier(),
                        data.test().readFirst(storage, Integer.MAX_VALUE), SampleJudges.Requirement.of(config),
                        ConfigSchema.CLASSIFIER.key() + " = " + config.gan().classifier()));
            }
            RunStart start = RunStart.locate(storage, locations.runRoot(), resume);
            int completedEpochs = start.completedEpochs();
            int noiseSize = config.gan().noiseSize();
            ModelSpec spec = GanModels.spec(config.model());
            GanNetworks networks;
            if (completedEpochs > 0) {
                RunDirectory existing = start.existing().orElseThrow();
                try {
                    networks = GanModels.restored(spec, noiseSize,
                            existing.readCheckpoint(completedEpochs, GanRecorder.DISCRIMINATOR),
                            existing.readCheckpoint(completedEpochs));
                } catch (IllegalArgumentException e) {
                    throw new IOException("the checkpoint of epoch " + completedEpochs + " in "
                            + Storage.display(existing.uri()) + ": " + e.getMessage());
                }
            } else {
                networks = GanModels.newNetworks(spec, noiseSize);
            }
            RunDirectory run = start.begin(sc, data, config);
            if (completedEpochs > 0) {
                log.info("Restored both networks and their updater states from epoch {}", completedEpochs);
            }
            log.info("GAN {}: generator {} parameters, discriminator {}", architecture,
                    networks.adversarial().numParams() - networks.discriminator().numParams(),
                    networks.discriminator().numParams());
            if (completedEpochs >= config.training().epochs()) {
                log.info("Run {} already completed {} of {} epochs; nothing to train", run.id(), completedEpochs,
                        config.training().epochs());
                return run;
            }
            GanRecorder recorder = new GanRecorder(run, config.gan().sampleGrid(),
                    run.metricLines(completedEpochs));
            GanTraining training = new GanTraining(sc, config, judge, List.of(recorder));
            training.fit(networks, completedEpochs, data.train(), data.test());
            log.info("Run directory: {}", Storage.display(run.uri()));
            return run;
        }
    }
}
