package io.sparktrain.datasets.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.LabeledImages;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** An IDX file with the given magic, dimensions and payload, as LeCun's format lays it out. */
    static Path idx(Path file, int magic, int[] dims, byte[] payload) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(payload);
        }
        return Files.write(file, bytes.toByteArray());
    }

    static byte[] sequence(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void readsImagesAndLabels() throws IOException {
        Path images = idx(dir.resolve("images"), 0x0803, new int[] {3, 2, 4}, sequence(24));
        Path labels = idx(dir.resolve("labels"), 0x0801, new int[] {3}, new byte[] {7, 0, 9});

        IdxReader.IdxTensor tensor = IdxReader.readImages(images);
        assertArrayEquals(new int[] {3, 2, 4}, tensor.dimensions());
        assertArrayEquals(sequence(24), tensor.data());

        LabeledImages set = LabeledImages.fromIdx("tiny", images, labels, 10);
        assertEquals(3, set.count());
        assertEquals(2, set.rows());
        assertEquals(4, set.cols());
        assertEquals(9, set.label(2));
        assertEquals(2, set.first(2).count());
        assertArrayEquals(Arrays.copyOf(sequence(24), 16), set.first(2).pixels());
    }

    @Test
    void wrongMagicNamesFileAndExpectation() throws IOException {
        Path labels = idx(dir.resolve("labels"), 0x0801, new int[] {3}, new byte[3]);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(labels));
        assertTrue(e.getMessage().startsWith(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("expected magic number 0x00000803"), e.getMessage());
        assertTrue(e.getMessage().contains("found 0x00000801"), e.getMessage());
    }

    @Test
    void truncatedFileIsReportedWithExpectedLength() throws IOException {
        Path images = idx(dir.resolve("images"), 0x0803, new int[] {3, 2, 4}, sequence(20));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(images));
        assertTrue(e.getMessage().contains("should be 40 bytes, but it is 36 (truncated)"), e.getMessage());
    }

    @Test
    void trailingDataIsReported() throws IOException {
        Path labels = idx(dir.resolve("labels"), 0x0801, new int[] {3}, new byte[4]);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(labels));
        assertTrue(e.getMessage().contains("(trailing data)"), e.getMessage());
    }

    @Test
    void headerShorterThanDeclaredRank() throws IOException {
        Path images = idx(dir.resolve("images"), 0x0803, new int[] {3}, new byte[0]);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(images));
        assertTrue(e.getMessage().contains("shorter than its 16-byte header"), e.getMessage());
    }

    @Test
    void emptyAndMissingFiles() throws IOException {
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(empty)).getMessage()
                .contains("too short for an IDX header"));
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(dir.resolve("absent")))
                .getMessage().contains("no such file"));
    }

    @Test
    void nonPositiveDimensionIsRejected() throws IOException {
        Path images = idx(dir.resolve("images"), 0x0803, new int[] {3, 0, 4}, new byte[0]);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(images));
        assertTrue(e.getMessage().contains("dimension 1 is 0"), e.getMessage());
    }

    @Test
    void labelAndImageCountMismatch() throws IOException {
        Path images = idx(dir.resolve("images"), 0x0803, new int[] {3, 2, 2}, sequence(12));
        Path labels = idx(dir.resolve("labels"), 0x0801, new int[] {2}, new byte[] {1, 2});
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> LabeledImages.fromIdx("tiny", images, labels, 10));
        assertTrue(e.getMessage().startsWith(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("holds 2 labels but images holds 3 images"), e.getMessage());
    }

    @Test
    void labelOutsideClassRange() throws IOException {
        Path images = idx(dir.resolve("images"), 0x0803, new int[] {2, 1, 1}, new byte[2]);
        Path labels = idx(dir.resolve("labels"), 0x0801, new int[] {2}, new byte[] {1, 10});
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> LabeledImages.fromIdx("tiny", images, labels, 10));
        assertTrue(e.getMessage().contains("label 10 at item 1 is not a class index in [0, 10)"), e.getMessage());
    }
}
