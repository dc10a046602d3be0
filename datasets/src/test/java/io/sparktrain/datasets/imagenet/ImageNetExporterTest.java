package io.sparktrain.datasets.imagenet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.imagenet.ImageExportSettings.PixelFormat;
import io.sparktrain.datasets.shards.ShardManifest;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestImageNet;
import io.sparktrain.datasets.testing.TestSpark;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/** Real JPEG and PNG files decoded by Spark tasks in local mode. */
class ImageNetExporterTest {
    private static final int SIZE = 32;
    private static final int PER_CLASS = 8;
    private static JavaSparkContext sc;
    private static Storage storage;
    private static ImageSplit split;

    @TempDir
    static Path data;

    @TempDir
    Path shards;

    @BeforeAll
    static void start() throws IOException {
        sc = TestSpark.start(2);
        storage = new Storage(sc.hadoopConfiguration());
        Path train = TestImageNet.writeTrain(data, PER_CLASS, 11);
        split = ImageNetLayout.train("tiny-train", train, ClassList.of(TestImageNet.CLASSES));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    /** One corrupt image in 25 is 4%: allowed here. */
    private static ImageExportSettings settings() {
        return new ImageExportSettings(SIZE, 8, 3).withMaxUnreadableFraction(0.05);
    }

    @Test
    void exportWritesShardsManifestClassesAndReport() throws IOException {
        ImageExport export = new ImageNetExporter(sc, storage).exportOrReuse(split, shards.toUri(), settings());
        ShardSet set = export.shards();
        ShardManifest manifest = set.manifest();
        assertEquals(25, split.images().size());
        assertEquals(4, manifest.shards().size(), "25 listed images in shards of 8");
        assertEquals(24, manifest.examples(), "the truncated JPEG is skipped");
        List<Integer> sizes = manifest.shards().stream().map(ShardManifest.Shard::examples).sorted().toList();
        assertEquals(List.of(1, 7, 8, 8), sizes, "full shards but the last and the one that lost the corrupt image");
        assertEquals(TestImageNet.CLASSES, manifest.spec().classes());
        assertArrayEquals(new int[] {3, SIZE, SIZE}, manifest.spec().featureShape());
        Path dir = Path.of(set.directory());
        assertEquals(String.join("\n", TestImageNet.CLASSES) + "\n", Files.readString(dir.resolve(ClassList.FILE_NAME)));
        assertEquals(SIZE, export.shortSide());

        ExportReport report = ExportReport.fromJson(Files.readString(dir.resolve(ExportReport.FILE_NAME)));
        assertEquals(export.report(), report);
        assertEquals(25, report.listed());
        assertEquals(24, report.exported());
        assertEquals(List.of(PER_CLASS, PER_CLASS, PER_CLASS), report.exportedPerClass());
        assertEquals(1, report.unreadable().size());
        assertEquals(TestImageNet.CORRUPT, report.unreadable().get(0).file());
        assertEquals(List.of(TestImageNet.NOT_AN_IMAGE), report.notImages().stream().map(FileProblem::file).toList());

        int[] perClass = new int[3];
        double[][] meanColour = new double[3][3];
        for (String path : set.paths()) {
            DataSet batch = ShardSet.read(storage, path);
            assertEquals(DataType.UBYTE, batch.getFeatures().dataType());
            assertEquals(3 * SIZE * SIZE, batch.getFeatures().size(1));
            assertEquals(3, batch.getLabels().size(1));
            float[] pixels = batch.getFeatures().castTo(DataType.FLOAT).data().asFloat();
            float[] labels = batch.getLabels().data().asFloat();
            for (int row = 0; row < batch.numExamples(); row++) {
                int label = -1;
                for (int c = 0; c < 3; c++) {
                    if (labels[row * 3 + c] == 1f) {
                        label = c;
                    }
                }
                perClass[label]++;
                for (int channel = 0; channel < 3; channel++) {
                    double sum = 0;
                    for (int i = 0; i < SIZE * SIZE; i++) {
                        sum += pixels[row * 3 * SIZE * SIZE + channel * SIZE * SIZE + i];
                    }
                    meanColour[label][channel] += sum / (SIZE * SIZE) / PER_CLASS;
                }
            }
        }
        assertArrayEquals(new int[] {PER_CLASS, PER_CLASS, PER_CLASS}, perClass);
        for (int label = 0; label < 3; label++) {
            for (int channel = 0; channel < 3; channel++) {
                if (channel != label) {
                    assertTrue(meanColour[label][channel] + 60 < meanColour[label][label],
                            "class " + label + " is dominated by channel " + label + " in its stored pixels");
                }
            }
        }
    }

    @Test
    void matchingExportIsReusedAndAChangedFileIsNot() throws IOException {
        ImageNetExporter exporter = new ImageNetExporter(sc, storage);
        ImageExport first = exporter.exportOrReuse(split, shards.toUri(), settings());
        Path shard = Path.of(URI.create(first.shards().paths().get(0)));
        long modified = Files.getLastModifiedTime(shard).toMillis() - 60_000;
        Files.setLastModifiedTime(shard, FileTime.fromMillis(modified));

        ImageExport second = exporter.exportOrReuse(split, shards.toUri(), settings());
        assertEquals(first, second);
        assertEquals(modified, Files.getLastModifiedTime(shard).toMillis(), "reused, not written again");

        ImageEntry touched = split.images().get(0);
        List<ImageEntry> images = new java.util.ArrayList<>(split.images());
        images.set(0, new ImageEntry(touched.uri(), touched.file(), touched.label(), touched.bytes(),
                touched.modifiedMillis() + 1000));
        ImageSplit changed = new ImageSplit(split.name(), split.directory(), split.labels(), split.classes(), images,
                split.notImages(), split.unlabeled(), split.unselectedClasses(), 0);
        assertNotEquals(ImageNetExporter.specFor(split, settings()), ImageNetExporter.specFor(changed, settings()));
        assertNotEquals(ImageNetExporter.specFor(split, settings()),
                ImageNetExporter.specFor(split, new ImageExportSettings(SIZE + 1, 8, 3)));
        assertNotEquals(ImageNetExporter.specFor(split, settings()).directoryName(),
                ImageNetExporter.specFor(split, settings().withPixels(PixelFormat.FLOAT)).directoryName());
    }

    @Test
    void tooManyUnreadableImagesFailListingThem() throws IOException {
        ImageExportSettings strict = settings().withMaxUnreadableFraction(0.01);
        UnreadableImagesException e = assertThrows(UnreadableImagesException.class,
                () -> new ImageNetExporter(sc, storage).exportOrReuse(split, shards.toUri(), strict));
        assertTrue(e.getMessage().contains("1 of 25 images (4.000%) cannot be decoded, more than the 1.000% allowed"),
                e.getMessage());
        assertTrue(e.getMessage().contains("\n  " + TestImageNet.CORRUPT + ": "), e.getMessage());
        Path dir = shards.resolve(ImageNetExporter.specFor(split, strict).directoryName());
        assertTrue(Files.exists(dir.resolve(ExportReport.FILE_NAME)), "the report stays to be read");
        assertFalse(Files.exists(dir.resolve(ShardManifest.FILE_NAME)), "a failed export is never reused");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("shard-")));
        }
    }

    /** Float shards hold the same pixels as byte shards, without the rounding. */
    @Test
    void floatPixelsMatchBytePixels() throws IOException {
        ImageNetExporter exporter = new ImageNetExporter(sc, storage);
        ShardSet bytes = exporter.exportOrReuse(split, shards.toUri(), settings()).shards();
        ShardSet floats = exporter.exportOrReuse(split, shards.toUri(), settings().withPixels(PixelFormat.FLOAT))
                .shards();
        DataSet b = ShardSet.read(storage, bytes.paths().get(1));
        DataSet f = ShardSet.read(storage, floats.paths().get(1));
        assertEquals(DataType.FLOAT, f.getFeatures().dataType());
        assertEquals(b.getLabels(), f.getLabels(), "same seed, same order");
        float[] unit = f.getFeatures().data().asFloat();
        float[] levels = b.getFeatures().castTo(DataType.FLOAT).data().asFloat();
        for (int i = 0; i < unit.length; i++) {
            assertEquals(levels[i] / 255f, unit[i], 0.5f / 255 + 1e-6f);
        }
    }
}
