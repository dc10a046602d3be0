package io.sparktrain.datasets.mnist;

import io.sparktrain.datasets.LabeledImages;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A dataset in MNIST's format: 60,000 training and 10,000 test images of 28x28 pixels in 10
 * classes, as four IDX files. LeCun's handwritten digits and Zalando's Fashion-MNIST share it.
 */
public final class Mnist {
    public static final int NUM_CLASSES = 10;

    /** The four files, by the names both distributions give them. */
    public enum File {
        TRAIN_IMAGES("train-images-idx3-ubyte"),
        TRAIN_LABELS("train-labels-idx1-ubyte"),
        TEST_IMAGES("t10k-images-idx3-ubyte"),
        TEST_LABELS("t10k-labels-idx1-ubyte");

        public final String fileName;

        File(String fileName) {
            this.fileName = fileName;
        }
    }

    public enum Split {
        TRAIN(File.TRAIN_IMAGES, File.TRAIN_LABELS),
        TEST(File.TEST_IMAGES, File.TEST_LABELS);

        final File images;
        final File labels;

        Split(File images, File labels) {
            this.images = images;
            this.labels = labels;
        }
    }

    private final String name;
    private final Path directory;

    /** A directory holding the four verified files, as {@link MnistFetcher} and {@link FashionMnist} return it. */
    Mnist(String name, Path directory) {
        this.name = name;
        this.directory = directory;
    }

    /** Where {@code file} is, uncompressed. */
    public Path file(File file) {
        return directory.resolve(file.fileName);
    }

    public LabeledImages load(Split split) throws IOException {
        return LabeledImages.fromIdx(name + "-" + split.name().toLowerCase(),
                file(split.images), file(split.labels), NUM_CLASSES);
    }
}
