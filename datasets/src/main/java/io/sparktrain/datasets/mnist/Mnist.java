package io.sparktrain.datasets.mnist;

import io.sparktrain.datasets.LabeledImages;
import java.io.IOException;
import java.nio.file.Path;

/** The MNIST handwritten digits: 60,000 training and 10,000 test images of 28x28 pixels, 10 classes. */
public final class Mnist {
    public static final int NUM_CLASSES = 10;

    /** The four files of LeCun's distribution with the MD5 checksums published for them. */
    public enum File {
        TRAIN_IMAGES("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
        TRAIN_LABELS("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
        TEST_IMAGES("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
        TEST_LABELS("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637");

        public final String fileName;
        public final String md5;

        File(String fileName, String md5) {
            this.fileName = fileName;
            this.md5 = md5;
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

    private final Path directory;

    /** A directory holding the four verified files, as {@link MnistFetcher#fetch()} returns it. */
    public Mnist(Path directory) {
        this.directory = directory;
    }

    public LabeledImages load(Split split) throws IOException {
        return LabeledImages.fromIdx("mnist-" + split.name().toLowerCase(),
                directory.resolve(split.images.fileName), directory.resolve(split.labels.fileName), NUM_CLASSES);
    }
}
