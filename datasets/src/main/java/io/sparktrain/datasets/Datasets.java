package io.sparktrain.datasets;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.mnist.MnistFetcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The datasets a job can name, each loaded (and fetched if needed) into train and test splits. */
public final class Datasets {
    public static final List<String> NAMES = List.of("mnist");

    private Datasets() {}

    public record TrainTest(LabeledImages train, LabeledImages test) {}

    public static TrainTest load(String name, Path cacheDir) throws IOException {
        return switch (name) {
            case "mnist" -> {
                Mnist mnist = new MnistFetcher(cacheDir).fetch();
                yield new TrainTest(mnist.load(Mnist.Split.TRAIN), mnist.load(Mnist.Split.TEST));
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "'; known: " + NAMES);
        };
    }
}
