package io.sparktrain.datasets;

import io.sparktrain.datasets.idx.IdxFormatException;
import io.sparktrain.datasets.idx.IdxReader;
import io.sparktrain.datasets.idx.IdxReader.IdxTensor;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Single-channel images with integer class labels, held as raw unsigned bytes (MNIST's 60,000
 * training images take 47 MB this way, a quarter of their size as floats), so the whole set can
 * be broadcast to executors that turn it into batches.
 */
public record LabeledImages(String name, int rows, int cols, int numClasses, byte[] pixels, byte[] labels)
        implements Serializable {

    public LabeledImages {
        if (pixels.length != (long) labels.length * rows * cols) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes do not hold "
                    + labels.length + " images of " + rows + "x" + cols);
        }
    }

    public int count() {
        return labels.length;
    }

    public int pixelsPerImage() {
        return rows * cols;
    }

    public int label(int index) {
        return labels[index] & 0xFF;
    }

    /** The first {@code n} images, or all of them when {@code n} is 0 or at least the count. */
    public LabeledImages first(int n) {
        if (n <= 0 || n >= count()) {
            return this;
        }
        return new LabeledImages(name, rows, cols, numClasses,
                Arrays.copyOf(pixels, n * pixelsPerImage()), Arrays.copyOf(labels, n));
    }

    /**
     * Pairs an IDX image file with its label file, checking that they describe the same number of
     * items and that every label is a class index below {@code numClasses}.
     */
    public static LabeledImages fromIdx(String name, Path imagesFile, Path labelsFile, int numClasses)
            throws IOException {
        IdxTensor images = IdxReader.readImages(imagesFile);
        IdxTensor labels = IdxReader.readLabels(labelsFile);
        if (images.count() != labels.count()) {
            throw new IdxFormatException(labelsFile, "holds " + labels.count() + " labels but "
                    + imagesFile.getFileName() + " holds " + images.count() + " images; expected equal counts");
        }
        byte[] labelData = labels.data();
        for (int i = 0; i < labelData.length; i++) {
            int label = labelData[i] & 0xFF;
            if (label >= numClasses) {
                throw new IdxFormatException(labelsFile, "label " + label + " at item " + i
                        + " is not a class index in [0, " + numClasses + ")");
            }
        }
        int[] dims = images.dimensions();
        return new LabeledImages(name, dims[1], dims[2], numClasses, images.data(), labelData);
    }
}
