package io.sparktrain.trainer.config;

import io.sparktrain.datasets.Datasets;
import java.util.List;

/** The job a config is resolved for: each refuses, before Spark starts, what another job trains. */
public enum JobKind {
    /** {@code submit/train} and {@code submit/benchmark}: classifiers on Spark datasets. */
    TRAIN,
    /** {@code submit/gan}: generative adversarial networks. */
    GAN,
    /** {@code submit/reproduce}: course examples, on small tables in one JVM or on Spark datasets. */
    EXAMPLE;

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
        if (this == TRAIN && Datasets.TABLES.contains(dataset)) {
            return List.of(ConfigSchema.DATASET.key() + " = " + dataset + " is a small table trained in one JVM ("
                    + ConfigSchema.STRATEGY.key() + " = " + ConfigSchema.SINGLE_MACHINE
                    + "): run it as an example with submit/reproduce");
        }
        return List.of();
    }
}
