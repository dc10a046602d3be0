package io.sparktrain.datasets.shards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestSpark;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class ShardExporterTest {
    private static JavaSparkContext sc;
    private static Storage storage;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        sc = TestSpark.start(2);
        storage = new Storage(sc.hadoopConfiguration());
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    /** 100 images of 3x2 whose pixels encode the image index, labels index mod 3. */
    static LabeledImages images(int count) {
        byte[] pixels = new byte[count * 6];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            Arrays.fill(pixels, i * 6, i * 6 + 6, (byte) i);
            labels[i] = (byte) (i % 3);
        }
        return new LabeledImages("tiny-train", 3, 2, 3, pixels, labels);
    }

    @Test
    void exportWritesBatchesManifestAndChecksums() throws IOException {
        LabeledImages data = images(100);
        ShardSet set = new ShardExporter(sc, storage).exportOrReuse(data, dir.toUri(), 16, 7);

        ShardManifest manifest = set.manifest();
        assertEquals(7, manifest.shards().size());
        assertEquals(100, manifest.examples());
        assertEquals(4, manifest.shards().get(6).examples(), "the remainder is kept in a short last shard");
        assertTrue(Files.exists(Path.of(set.directory()).resolve(ShardManifest.FILE_NAME)));
        assertEquals(manifest, ShardManifest.fromJson(Files.readString(Path.of(set.directory()).resolve("manifest.json"))));

        Set<Integer> seen = new HashSet<>();
        for (String path : set.paths()) {
            DataSet batch = ShardSet.read(storage, path);
            for (int row = 0; row < batch.numExamples(); row++) {
                float[] features = batch.getFeatures().getRow(row).toFloatVector();
                int example = Math.round(features[0] * 255);
                assertTrue(seen.add(example), "example " + example + " exported twice");
                float[] expected = new float[6];
                Arrays.fill(expected, example / 255f);
                assertArrayEquals(expected, features, 1e-7f);
                float[] label = batch.getLabels().getRow(row).toFloatVector();
                assertEquals(1f, label[example % 3]);
                assertEquals(1f, label[0] + label[1] + label[2]);
            }
        }
        assertEquals(100, seen.size());
        List<Integer> firstShard = Arrays.stream(ShardDirectory.shuffledOrder(100, 7)).limit(16).boxed().toList();
        assertNotEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), firstShard, "shuffled");
    }

    @Test
    void matchingExportIsReusedNotRewritten() throws IOException {
        LabeledImages data = images(50);
        ShardExporter exporter = new ShardExporter(sc, storage);
        ShardSet first = exporter.exportOrReuse(data, dir.toUri(), 10, 1);
        Path shard = Path.of(URI.create(first.paths().get(0)));
        long modified = Files.getLastModifiedTime(shard).toMillis();
        Files.setLastModifiedTime(shard, java.nio.file.attribute.FileTime.fromMillis(modified - 60_000));

        ShardSet second = exporter.exportOrReuse(data, dir.toUri(), 10, 1);
        assertEquals(first, second);
        assertEquals(modified - 60_000, Files.getLastModifiedTime(shard).toMillis());

        ShardSet otherBatch = exporter.exportOrReuse(data, dir.toUri(), 25, 1);
        assertNotEquals(first.directory(), otherBatch.directory());
    }

    @Test
    void corruptedShardIsDetectedByChecksum() throws IOException {
        ShardExporter exporter = new ShardExporter(sc, storage);
        ShardSet set = exporter.exportOrReuse(images(40), dir.toUri(), 10, 1);
        Path shard = Path.of(URI.create(set.paths().get(2)));
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length - 1] ^= 1;
        Files.write(shard, bytes);

        ShardMismatchException e = assertThrows(ShardMismatchException.class,
                () -> exporter.exportOrReuse(images(40), dir.toUri(), 10, 1));
        assertTrue(e.getMessage().contains(shard.getFileName() + ": SHA-256"), e.getMessage());
        assertTrue(e.getMessage().contains("Delete " + set.directory()), e.getMessage());
    }

    @Test
    void missingAndTruncatedShardsAreDetected() throws IOException {
        ShardExporter exporter = new ShardExporter(sc, storage);
        ShardSet set = exporter.exportOrReuse(images(40), dir.toUri(), 10, 1);
        Files.delete(Path.of(URI.create(set.paths().get(0))));
        Files.write(Path.of(URI.create(set.paths().get(1))), new byte[] {1});

        ShardMismatchException e = assertThrows(ShardMismatchException.class, () -> set.verify(sc, storage));
        assertTrue(e.getMessage().contains("shard-000000.bin: missing"), e.getMessage());
        assertTrue(e.getMessage().contains("shard-000001.bin: 1 bytes, manifest says"), e.getMessage());
    }

    @Test
    void unfinishedExportIsStartedAfresh() throws IOException {
        LabeledImages data = images(30);
        ShardSpec spec = ShardExporter.specFor(data, 10, 3);
        Path unfinished = Files.createDirectories(dir.resolve(spec.directoryName()));
        Files.write(unfinished.resolve("shard-000000.bin"), new byte[] {42});

        ShardSet set = new ShardExporter(sc, storage).exportOrReuse(data, dir.toUri(), 10, 3);
        assertEquals(unfinished, Path.of(set.directory()));
        set.verify(sc, storage);
        assertEquals(3, set.manifest().shards().size());
    }

    @Test
    void shuffleIsAPermutationFixedBySeed() {
        int[] a = ShardDirectory.shuffledOrder(1000, 5);
        assertArrayEquals(a, ShardDirectory.shuffledOrder(1000, 5));
        assertNotEquals(Arrays.toString(a), Arrays.toString(ShardDirectory.shuffledOrder(1000, 6)));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
    }
}
