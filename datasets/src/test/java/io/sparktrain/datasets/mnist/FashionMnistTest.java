package io.sparktrain.datasets.mnist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.LabeledImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fashion-MNIST as Debian's dataset-fashion-mnist package installs it (.ci/run installs the package). */
class FashionMnistTest {
    private static final String SETTING = "data.source-dir";

    @TempDir
    Path dir;

    private FashionMnist from(Optional<Path> source) {
        return new FashionMnist(dir.resolve("cache"), source, SETTING);
    }

    /** The Debian files, decompressed into a directory of the test's own. */
    private Path uncompressedCopy() throws IOException {
        Path copy = Files.createDirectories(dir.resolve("plain"));
        for (Mnist.File file : Mnist.File.values()) {
            try (InputStream in = new GZIPInputStream(
                    Files.newInputStream(FashionMnist.DEBIAN_DIR.resolve(file.fileName + ".gz")))) {
                Files.copy(in, copy.resolve(file.fileName));
            }
        }
        return copy;
    }

    @Test
    void debiansFilesAreVerifiedAndHoldTheWholeBalancedDataset() throws IOException {
        Mnist fashion = from(Optional.empty()).load();
        LabeledImages train = fashion.load(Mnist.Split.TRAIN);
        LabeledImages test = fashion.load(Mnist.Split.TEST);
        assertEquals(60_000, train.count());
        assertEquals(10_000, test.count());
        assertEquals("fashion-mnist-train", train.name());
        // Zalando's splits are balanced: 6,000 and 1,000 images of each of the ten classes.
        int[] perClass = new int[10];
        for (int i = 0; i < test.count(); i++) {
            perClass[test.label(i)]++;
        }
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, perClass);
    }

    @Test
    void configuredDirectoryOfUncompressedFilesIsReadAndTheCacheReusedAfterwards() throws IOException {
        Path plain = uncompressedCopy();
        assertEquals(10_000, from(Optional.of(plain)).load().load(Mnist.Split.TEST).count());
        // Once verified into the cache, the source is not needed again.
        assertEquals(10_000, from(Optional.of(dir.resolve("gone"))).load().load(Mnist.Split.TEST).count());
    }

    @Test
    void missingFilesNameTheDirectoryThePackageAndTheSetting() {
        Path empty = dir.resolve("empty");
        IOException e = assertThrows(IOException.class, () -> from(Optional.of(empty)).load());
        assertTrue(e.getMessage().contains(empty + " has no train-images-idx3-ubyte[.gz]"), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains(SETTING), e.getMessage());
    }

    @Test
    void alteredFileIsRejectedAndNothingEntersTheCache() throws IOException {
        Path plain = uncompressedCopy();
        Files.write(plain.resolve(Mnist.File.TEST_LABELS.fileName), new byte[] {0}, StandardOpenOption.APPEND);
        IOException e = assertThrows(IOException.class, () -> from(Optional.of(plain)).load());
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte"), e.getMessage());
        assertTrue(e.getMessage().contains(FashionMnist.MD5.get(Mnist.File.TEST_LABELS)), e.getMessage());
        assertFalse(Files.exists(dir.resolve("cache/fashion-mnist/" + Mnist.File.TRAIN_IMAGES.fileName)),
                "nothing is moved into the cache unless all four files verify");
    }
}
