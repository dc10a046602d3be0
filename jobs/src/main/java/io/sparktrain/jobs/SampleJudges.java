package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.SampleJudge;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.IOException;
import java.net.URI;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Judges of generated images, made from a classifier run's last checkpoint once it has shown it classifies well. */
final class SampleJudges {
    private static final Logger log = LoggerFactory.getLogger(SampleJudges.class);

    private SampleJudges() {}

    /**
     * How good a judge must be: right on at least {@code minAccuracy} of the {@code dataset} test
     * images; {@code boundName} is the setting that chose the bound, which a refusal names.
     */
    record Requirement(String dataset, double minAccuracy, String boundName) {
        /** A GAN config's: its dataset and gan.classifier-min-accuracy. */
        static Requirement of(TrainConfig ganConfig) {
            return new Requirement(ganConfig.data().dataset(), ganConfig.gan().classifierMinAccuracy(),
                    ConfigSchema.CLASSIFIER_MIN_ACCURACY.key());
        }
    }

    /**
     * A judge from classifier run {@code classifier} (an id under {@code runRoot}, or a directory)
     * comparing with the labelled test images {@code real}, after the classifier has met
     * {@code requirement} on them; {@code setting} names where the run came from in errors.
     */
    static SampleJudge load(Storage storage, URI runRoot, String classifier, DataSet real, Requirement requirement,
            String setting) throws IOException {
        RunDirectory run;
        try {
            run = new RunStore(storage, runRoot).find(classifier);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException(setting + ": " + e.getMessage());
        }
        int epoch = run.lastCheckpointEpoch().orElseThrow(() -> new InvalidConfigException(setting + ": the run in "
                + Storage.display(run.uri()) + " has no checkpoint yet"));
        ComputationGraph network = run.readCheckpoint(epoch);
        SampleJudge judge;
        double accuracy;
        String dataset = requirement.dataset();
        try {
            judge = SampleJudge.of(network, real.getFeatures());
            accuracy = judge.accuracy(real.getFeatures(), real.getLabels());
        } catch (RuntimeException e) {
            throw new InvalidConfigException(setting + " (epoch " + epoch + ") cannot classify the " + dataset
                    + " test images: " + e.getMessage());
        }
        double required = requirement.minAccuracy();
        String measured = String.format("%.2f%% of %d %s test images", 100 * accuracy, real.numExamples(), dataset);
        if (accuracy < required) {
            throw new InvalidConfigException(setting + " (epoch " + epoch + ") is right on " + measured + ", below "
                    + requirement.boundName() + " = " + required
                    + ": train it further, or lower the bound");
        }
        SampleJudge.Quality ofReal = judge.judge(real.getFeatures());
        log.info("Samples are judged by {} (epoch {}), right on {}; those images themselves score {}",
                run.id(), epoch, measured, String.format("%.3f", ofReal.classifierScore()));
        return judge;
    }
}
