package io.sparktrain.datasets.imagenet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.testing.TestImageNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageNetLayoutTest {
    private static final List<String> CLASSES = TestImageNet.CLASSES;
    private static final ClassList SELECTED = ClassList.of(CLASSES);
    /** Flat validation images 1..9 of classes 2 0 1 0 2 1 3 0 1 (3 is the unselected class). */
    private static final int[] FLAT_LABELS = {2, 0, 1, 0, 2, 1, 3, 0, 1};

    @TempDir
    static Path shared;
    private static Path train;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeData() throws IOException {
        train = TestImageNet.writeTrain(shared, 6, 1);
    }

    private static String wnid(int label) {
        return label < CLASSES.size() ? CLASSES.get(label) : TestImageNet.OTHER_CLASS;
    }

    @Test
    void trainFoldersAreClassesAndOddFilesAreReported() throws IOException {
        ImageSplit split = ImageNetLayout.train("all-train", train, null);
        List<String> expected = new ArrayList<>(CLASSES);
        expected.add(TestImageNet.OTHER_CLASS);
        assertEquals(expected, split.classes().names());
        assertArrayEquals(new int[] {6, 7, 6, 2}, split.classCounts(), "the truncated JPEG is listed; decoding finds it");
        assertTrue(split.images().stream().anyMatch(i -> i.file().equals(CLASSES.get(0) + "/images/"
                + CLASSES.get(0) + "_2.JPEG")), "images one folder down, as Tiny ImageNet keeps them");
        assertTrue(split.images().stream().anyMatch(i -> i.file().endsWith(".png")));
        assertEquals(List.of(new FileProblem(TestImageNet.NOT_AN_IMAGE,
                "not an image: .txt is not one of .JPEG, .jpg, .jpeg or .png")), split.notImages());
        List<String> files = split.images().stream().map(ImageEntry::file).toList();
        List<String> sorted = new ArrayList<>(files);
        Collections.sort(sorted);
        assertEquals(sorted, files, "listed in file order, whatever the file system's order");
        for (ImageEntry image : split.images()) {
            assertEquals(split.classes().name(image.label()), image.file().substring(0, 9));
            assertTrue(Files.size(Path.of(java.net.URI.create(image.uri()))) == image.bytes());
        }
    }

    @Test
    void aSelectionReadsOnlyItsClassesInSortedOrder() throws IOException {
        List<String> shuffled = new ArrayList<>(CLASSES);
        Collections.shuffle(shuffled, new Random(5));
        ImageSplit split = ImageNetLayout.train("three-train", train, ClassList.of(shuffled));
        assertEquals(CLASSES, split.classes().names(), "indices follow sorted WNIDs, not the order given");
        assertArrayEquals(new int[] {6, 7, 6}, split.classCounts());
        assertEquals(List.of(TestImageNet.OTHER_CLASS), split.unselectedClasses());
    }

    @Test
    void selectingAClassWithoutAFolderNamesIt() {
        IOException e = assertThrows(IOException.class,
                () -> ImageNetLayout.train("imagenette-train", train, ClassSubsets.named(ClassSubsets.IMAGENETTE)));
        assertTrue(e.getMessage().contains("7 of the 10 selected classes"), e.getMessage());
        assertTrue(e.getMessage().contains("n03888257"), e.getMessage());
        assertTrue(!e.getMessage().contains(CLASSES.get(0)), e.getMessage());
    }

    @Test
    void validationClassFolders() throws IOException {
        Path val = TestImageNet.writeClassFolders(dir.resolve("val"), 2, 2);
        Files.createDirectories(val.resolve(TestImageNet.OTHER_CLASS));
        TestImageNet.writeJpeg(TestImageNet.image(3, new Random(1)), val.resolve(TestImageNet.OTHER_CLASS + "/x.JPEG"));
        Files.writeString(val.resolve("README"), "hello");
        ImageSplit split = ImageNetLayout.validation("val", val, SELECTED, null);
        assertEquals("class folders", split.labels());
        assertArrayEquals(new int[] {2, 2, 2}, split.classCounts());
        assertEquals(1, split.imagesOutsideSelection());
        assertEquals(List.of("README"), split.notImages().stream().map(FileProblem::file).toList());
    }

    @Test
    void kaggleSolutionCsv() throws IOException {
        Path val = dir.resolve("val");
        List<String> names = TestImageNet.writeFlat(val, FLAT_LABELS, 3);
        StringBuilder csv = new StringBuilder("ImageId,PredictionString\n");
        for (int k = FLAT_LABELS.length - 1; k >= 0; k--) {
            csv.append(names.get(k).replace(".JPEG", "")).append(',').append(wnid(FLAT_LABELS[k]))
                    .append(" 10 20 30 40 ").append(wnid(FLAT_LABELS[k])).append(" 1 2 3 4\n");
        }
        Files.writeString(dir.resolve("LOC_val_solution.csv"), csv);
        ImageSplit split = ImageNetLayout.validation("val", val, SELECTED, null);
        assertTrue(split.labels().contains("LOC_val_solution.csv"), split.labels());
        assertFlatLabels(split);
    }

    @Test
    void fileAndWnidLinesAsTinyImageNetWritesThem() throws IOException {
        Path val = dir.resolve("val");
        List<String> names = TestImageNet.writeFlat(val.resolve("images"), FLAT_LABELS, 3);
        StringBuilder lines = new StringBuilder();
        for (int k = 0; k < FLAT_LABELS.length; k++) {
            lines.append(names.get(k)).append('\t').append(wnid(FLAT_LABELS[k])).append("\t0\t0\t10\t10\n");
        }
        Files.writeString(val.resolve("val_annotations.txt"), lines);
        ImageSplit split = ImageNetLayout.validation("val", val, SELECTED, null);
        assertTrue(split.images().get(0).file().startsWith("images/"), split.images().get(0).file());
        assertTrue(split.notImages().isEmpty(), "the ground-truth file itself is no stray file: " + split.notImages());
        assertFlatLabels(split);
    }

    @Test
    void oneWnidPerLineInFileNameOrder() throws IOException {
        Path val = dir.resolve("val");
        TestImageNet.writeFlat(val, FLAT_LABELS, 3);
        StringBuilder lines = new StringBuilder();
        for (int label : FLAT_LABELS) {
            lines.append(wnid(label)).append('\n');
        }
        Path labels = Files.writeString(dir.resolve("synset_labels.txt"), lines);
        ImageSplit split = ImageNetLayout.validation("val", val, SELECTED, labels);
        assertFlatLabels(split);
    }

    @Test
    void officialGroundTruthIdsThroughTheDevkitMapping() throws IOException {
        assertEquals("n02119789", Ilsvrc2012.wnid(1), "kit fox");
        int[] ids = {449, 5, 929, 1};
        assertEquals(CLASSES, List.of(Ilsvrc2012.wnid(ids[0]), Ilsvrc2012.wnid(ids[1]), Ilsvrc2012.wnid(ids[2])));
        Path val = dir.resolve("val");
        TestImageNet.writeFlat(val, FLAT_LABELS, 3);
        StringBuilder lines = new StringBuilder();
        for (int label : FLAT_LABELS) {
            lines.append(ids[label]).append('\n');
        }
        Files.writeString(val.resolve("ILSVRC2012_validation_ground_truth.txt"), lines);
        ImageSplit split = ImageNetLayout.validation("val", val, SELECTED, null);
        assertTrue(split.labels().contains("ILSVRC2012_ID"), split.labels());
        assertFlatLabels(split);
        assertEquals(List.of("n02119789"), split.unselectedClasses());
    }

    private static void assertFlatLabels(ImageSplit split) {
        assertEquals(8, split.images().size(), "one of the nine images is of an unselected class");
        assertEquals(1, split.imagesOutsideSelection());
        for (ImageEntry image : split.images()) {
            String file = Path.of(image.file()).getFileName().toString();
            int k = Integer.parseInt(file.substring("ILSVRC2012_val_".length(), file.length() - ".JPEG".length()));
            assertEquals(FLAT_LABELS[k - 1], image.label(), file);
        }
        assertArrayEquals(new int[] {3, 3, 2}, split.classCounts());
    }

    @Test
    void malformedGroundTruthNamesFileLineAndExpectation() throws IOException {
        Path val = dir.resolve("val");
        TestImageNet.writeFlat(val, new int[] {0, 1, 2}, 4);
        Path gt = dir.resolve("gt.txt");

        Files.writeString(gt, "ILSVRC2012_val_00000001.JPEG n01440764\nILSVRC2012_val_00000002.JPEG dog\n");
        assertMessage(gt, val, gt + ":2: expected a WNID such as n01440764 as the label of ILSVRC2012_val_00000002.JPEG");

        Files.writeString(gt, "ILSVRC2012_val_00000001.JPEG n01440764\nILSVRC2012_val_00000007.JPEG n01440764\n");
        assertMessage(gt, val, gt + ":2: labels ILSVRC2012_val_00000007.JPEG, which is not an image in " + val);

        Files.writeString(gt, "ImageId,PredictionString\nILSVRC2012_val_00000001,n01440764 1 2 3 4\nno comma here\n");
        assertMessage(gt, val, gt + ":3: expected '<ImageId>,<WNID> <box> ...'");

        Files.writeString(gt, "n01440764\nn02102040\n");
        assertMessage(gt, val, gt + ": holds 2 labels for the 3 images in " + val);

        Files.writeString(gt, "449\n5\n1001\n");
        assertMessage(gt, val, gt + ":3: expected one ILSVRC2012_ID in [1, 1000]");

        Files.writeString(gt, "n01440764\nfoo bar\nn02102040\n");
        assertMessage(gt, val, gt + ":2: expected one WNID");

        Files.writeString(gt, "\nimage,label\n");
        assertMessage(gt, val, gt + ":2: 'image,label' is in no ground-truth format known here; expected");
    }

    private static void assertMessage(Path gt, Path val, String expected) {
        IOException e = assertThrows(IOException.class, () -> ImageNetLayout.validation("val", val, SELECTED, gt));
        assertTrue(e.getMessage().startsWith(expected), "expected <" + expected + "> at the start of <"
                + e.getMessage() + ">");
    }

    @Test
    void imagesWithoutALabelAreReported() throws IOException {
        Path val = dir.resolve("val");
        List<String> names = TestImageNet.writeFlat(val, new int[] {0, 1, 2}, 4);
        Path gt = Files.writeString(dir.resolve("gt.txt"), names.get(0) + " " + CLASSES.get(0) + "\n"
                + names.get(2) + " " + CLASSES.get(2) + "\n");
        ImageSplit split = ImageNetLayout.validation("val", val, SELECTED, gt);
        assertEquals(2, split.images().size());
        assertEquals(List.of(new FileProblem(names.get(1), "no label in gt.txt")), split.unlabeled());
    }

    @Test
    void flatFolderWithoutGroundTruthSaysWhatToGive() throws IOException {
        Path val = dir.resolve("val");
        TestImageNet.writeFlat(val, new int[] {0}, 4);
        IOException e = assertThrows(IOException.class, () -> ImageNetLayout.validation("val", val, SELECTED, null));
        assertTrue(e.getMessage().contains("no ground-truth file was given"), e.getMessage());
        assertTrue(e.getMessage().contains("LOC_val_solution.csv"), e.getMessage());
    }
}
