package io.sparktrain.datasets;

import io.sparktrain.datasets.mnist.FashionMnist;
import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.mnist.MnistFetcher;
import io.sparktrain.datasets.tables.GeneratedTables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The datasets a job can name. The MNIST-format ones are loaded (and fetched if needed) here into
 * train and test splits; {@value #IMAGENET} is a directory of images that
 * {@link io.sparktrain.datasets.imagenet.ImageNetExporter} decodes on executors; the {@link #TABLES}
 * are small {@link io.sparktrain.datasets.tables.Table}s.
 */
public final class Datasets {
    public static final String IMAGENET = "imagenet";
    /** Flattened grey images in MNIST's IDX format. */
    public static final List<String> MNIST_FORMAT = List.of("mnist", "fashion-mnist");
    public static final String INLINE = "inline";
    public static final String CSV = "csv";
    /** Small tables trained in one JVM: written in the job's config, read from a CSV file, or generated. */
    public static final List<String> TABLES = List.of(INLINE, CSV, GeneratedTables.QUADRATIC,
            GeneratedTables.SEPARABLE);
    public static final List<String> NAMES = List.of("mnist", "fashion-mnist", IMAGENET, INLINE, CSV,
            GeneratedTables.QUADRATIC, GeneratedTables.SEPARABLE);
    /** The job setting that points at a dataset's original files. */
    public static final String SOURCE_SETTING = "data.source-dir";

    private Datasets() {}

    public record TrainTest(LabeledImages train, LabeledImages test) {}

    /** @param sourceDir where the dataset's original files are, for datasets that are not fetched */
    public static TrainTest load(String name, Path cacheDir, Optional<Path> sourceDir) throws IOException {
        Mnist mnist = mnistFormat(name, cacheDir, sourceDir);
        return new TrainTest(mnist.load(Mnist.Split.TRAIN), mnist.load(Mnist.Split.TEST));
    }

    /** The verified IDX files of an MNIST-format dataset, fetched or unpacked into {@code cacheDir} if needed. */
    public static Mnist mnistFormat(String name, Path cacheDir, Optional<Path> sourceDir) throws IOException {
        return switch (name) {
            case "mnist" -> new MnistFetcher(cacheDir).fetch();
            case "fashion-mnist" -> new FashionMnist(cacheDir, sourceDir, SOURCE_SETTING).load();
            default -> throw new IllegalArgumentException("dataset '" + name + "' is not in MNIST's format; "
                    + "MNIST-format datasets: mnist, fashion-mnist");
        };
    }
}
