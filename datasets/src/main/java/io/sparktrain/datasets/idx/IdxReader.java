package io.sparktrain.datasets.idx;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the IDX format of LeCun's MNIST distribution (also used by Fashion-MNIST): a magic number
 * whose third byte is the element type and fourth the number of dimensions, the dimension sizes as
 * big-endian ints, then the elements. Only unsigned-byte files exist in those datasets, so only
 * those are accepted. Every header field is checked against the file length before data is read,
 * so a truncated or padded file is reported rather than read as garbage.
 */
public final class IdxReader {
    static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {}

    /** An IDX tensor of unsigned bytes: its dimension sizes and its elements in row-major order. */
    public record IdxTensor(Path file, int[] dimensions, byte[] data) {
        public int count() {
            return dimensions[0];
        }
    }

    /** Reads a rank-3 file (images x rows x columns). */
    public static IdxTensor readImages(Path file) throws IOException {
        return read(file, 3);
    }

    /** Reads a rank-1 file (one label per item). */
    public static IdxTensor readLabels(Path file) throws IOException {
        return read(file, 1);
    }

    public static IdxTensor read(Path file, int expectedRank) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IdxFormatException(file, "no such file");
        }
        long length = Files.size(file);
        try (InputStream in = Files.newInputStream(file);
                DataInputStream data = new DataInputStream(in)) {
            if (length < 4) {
                throw new IdxFormatException(file, "file is " + length + " bytes, too short for an IDX header");
            }
            int magic = data.readInt();
            int expectedMagic = (UNSIGNED_BYTE << 8) | expectedRank;
            if (magic != expectedMagic) {
                throw new IdxFormatException(file, String.format(
                        "expected magic number 0x%08X (unsigned bytes, %d dimension%s) but found 0x%08X",
                        expectedMagic, expectedRank, expectedRank == 1 ? "" : "s", magic));
            }
            long headerBytes = 4L + 4L * expectedRank;
            if (length < headerBytes) {
                throw new IdxFormatException(file, "file is " + length + " bytes, shorter than its "
                        + headerBytes + "-byte header");
            }
            int[] dimensions = new int[expectedRank];
            long elements = 1;
            for (int i = 0; i < expectedRank; i++) {
                dimensions[i] = data.readInt();
                if (dimensions[i] <= 0) {
                    throw new IdxFormatException(file, "dimension " + i + " is " + dimensions[i]
                            + ", expected a positive size");
                }
                elements *= dimensions[i];
            }
            long expectedLength = headerBytes + elements;
            if (length != expectedLength || elements > Integer.MAX_VALUE - 8) {
                throw new IdxFormatException(file, "header declares dimensions " + Arrays.toString(dimensions)
                        + " so the file should be " + expectedLength + " bytes, but it is " + length
                        + (length < expectedLength ? " (truncated)" : " (trailing data)"));
            }
            byte[] elementsData = new byte[(int) elements];
            data.readFully(elementsData);
            return new IdxTensor(file, dimensions, elementsData);
        }
    }
}
