package io.sparktrain.datasets.idx;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Writes images and labels in the IDX format MNIST ships in, so any MNIST reader, {@link IdxReader} included, reads them. */
public final class IdxWriter {
    /** Unsigned bytes, three dimensions: count, rows, columns. */
    static final int IMAGES_MAGIC = 0x00000803;
    /** Unsigned bytes, one dimension: count. */
    static final int LABELS_MAGIC = 0x00000801;

    private IdxWriter() {}

    /** {@code count} images of {@code rows x cols} unsigned bytes, image after image, row by row. */
    public static void writeImages(OutputStream stream, byte[] pixels, int count, int rows, int cols)
            throws IOException {
        if (pixels.length != (long) count * rows * cols) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes do not hold " + count + " images of "
                    + rows + "x" + cols);
        }
        DataOutputStream out = new DataOutputStream(stream);
        out.writeInt(IMAGES_MAGIC);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        out.write(pixels);
        out.flush();
    }

    /** One unsigned byte per item. */
    public static void writeLabels(OutputStream stream, byte[] labels) throws IOException {
        DataOutputStream out = new DataOutputStream(stream);
        out.writeInt(LABELS_MAGIC);
        out.writeInt(labels.length);
        out.write(labels);
        out.flush();
    }
}
