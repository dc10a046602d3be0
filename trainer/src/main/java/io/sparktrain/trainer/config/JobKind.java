package io.sparktrain.trainer.config;

import io.sparktrain.datasets.Datasets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The job a config is resolved for: each refuses, before Spark starts, what another job trains. */
public enum JobKind {
    /** {@code submit/train} and {@code submit/benchmark}: classifiers on Spark datasets. */
    TRAIN,
    /** {@code submit/gan}: generative adversarial networks. */
    GAN,
    /** {@code submit/reproduce}: course examples, on small tables in one JVM or on Spark datasets. */
    EXAMPLE,
    /** {@code submit/retrain}: a registered classifier on MNIST-format snapshots, judged by gates. */
    RETRAIN;

    List<String> problems(TrainConfig config) {
        String architecture = config.model().architecture();
        boolean gan = ConfigSchema.GAN_ARCHITECTURES.contains(architecture);
        String dataset = config.data().dataset();
        if (this == GAN) {
            return gan ? List.of() : List.of(ConfigSchema.ARCHITECTURE.key() + " = " + architecture + " is not a GAN ("
                    + String.join(", ", ConfigSchema.GAN_ARCHITECTURES) + "): train it with submit/train");
        }
        if (gan) {
            return List.of(ConfigSchema.ARCHITECTURE.key() + " = " + architecture
                    + " is a generative adversarial network: train it with submit/gan");
        }
        if (this == RETRAIN) {
            return retrainProblems(config);
        }
        if (this == TRAIN && Datasets.TABLES.contains(dataset)) {
            return List.of(ConfigSchema.DATASET.key() + " = " + dataset + " is a small table trained in one JVM ("
                    + ConfigSchema.STRATEGY.key() + " = " + ConfigSchema.SINGLE_MACHINE
                    + "): run it as an example with submit/reproduce");
        }
        return List.of();
    }

    private static List<String> retrainProblems(TrainConfig config) {
        List<String> problems = new ArrayList<>();
        TrainConfig.Retrain retrain = config.retrain();
        if (retrain.model().isEmpty()) {
            problems.add(ConfigSchema.REGISTRY_MODEL.key() + " is not set: name the registered model to retrain");
        }
        if (!Datasets.MNIST_FORMAT.contains(config.data().dataset())) {
            problems.add(ConfigSchema.DATASET.key() + " = " + config.data().dataset() + ": submit/retrain takes "
                    + "snapshots in MNIST's format (" + String.join(", ", Datasets.MNIST_FORMAT) + ")");
        }
        if (retrain.minAccuracy().isEmpty() && retrain.minAccuracyDelta().isEmpty()) {
            problems.add("no gate is set (" + ConfigSchema.MIN_ACCURACY.key() + ", "
                    + ConfigSchema.MIN_ACCURACY_DELTA.key() + "): without one every challenger would be promoted");
        }
        gateProblem(ConfigSchema.MIN_ACCURACY.key(), retrain.minAccuracy(), 0, 1).ifPresent(problems::add);
        gateProblem(ConfigSchema.MIN_ACCURACY_DELTA.key(), retrain.minAccuracyDelta(), -1, 1)
                .ifPresent(problems::add);
        return problems;
    }

    private static Optional<String> gateProblem(String key, String value, double min, double max) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        double gate = Double.parseDouble(value);
        return gate >= min && gate <= max ? Optional.empty()
                : Optional.of(key + " = " + value + ": expected a number in [" + min + ", " + max + "]");
    }
}
