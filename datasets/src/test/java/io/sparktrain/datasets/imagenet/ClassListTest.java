package io.sparktrain.datasets.imagenet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassListTest {
    @TempDir
    Path dir;

    @Test
    void shippedSubsetsHaveTheirPublishedSizesAndAreImageNetClasses() {
        assertEquals(10, ClassSubsets.named(ClassSubsets.IMAGENETTE).size());
        assertEquals(10, ClassSubsets.named(ClassSubsets.IMAGEWOOF).size());
        assertEquals(100, ClassSubsets.named(ClassSubsets.IMAGENET_100).size());
        List<String> ilsvrc = Ilsvrc2012.wnids();
        assertEquals(1000, new HashSet<>(ilsvrc).size());
        for (String name : ClassSubsets.NAMES) {
            for (String wnid : ClassSubsets.named(name).names()) {
                assertTrue(ilsvrc.contains(wnid), name + ": " + wnid + " is not an ILSVRC2012 class");
            }
        }
        assertTrue(ClassSubsets.named(ClassSubsets.IMAGENETTE).contains("n03888257"), "parachute");
        assertEquals("n03255030", Ilsvrc2012.wnid(1000));
        assertThrows(IllegalArgumentException.class, () -> ClassSubsets.named("imagenet-1k"));
    }

    @Test
    void orderIsSortedWhateverTheInputOrder() {
        ClassList a = ClassList.of(List.of("n02979186", "n01440764", "n02102040"));
        ClassList b = ClassList.of(List.of("n02102040", "n02979186", "n01440764"));
        assertEquals(a, b);
        assertEquals(List.of("n01440764", "n02102040", "n02979186"), a.names());
        assertEquals(1, a.indexOf("n02102040"));
        assertEquals(-1, a.indexOf("n09999999"));
    }

    @Test
    void savedListRoundTripsAndAChangeIsCaught() throws IOException {
        ClassList saved = ClassList.of(List.of("n01440764", "n02102040", "n02979186"));
        assertEquals(saved, ClassList.parse(saved.toText(), "run/classes.txt"));
        saved.requireSame(ClassList.parse(saved.toText(), "run/classes.txt"), "run/classes.txt");

        ClassList grown = ClassList.of(List.of("n01440764", "n01443537", "n02102040", "n02979186"));
        ClassList.ClassOrderMismatchException e = assertThrows(ClassList.ClassOrderMismatchException.class,
                () -> grown.requireSame(saved, "run/classes.txt"));
        assertTrue(e.getMessage().contains("new now: [n01443537]"), e.getMessage());
        assertTrue(e.getMessage().contains("index 1 was n02102040 and is now n01443537"), e.getMessage());
        assertTrue(e.getMessage().contains("run/classes.txt"), e.getMessage());
        assertThrows(IOException.class, () -> ClassList.parse("b\na\n", "x"), "a saved list must be in index order");
    }

    @Test
    void subsetFilesAllowCommentsAndRejectDuplicates() throws IOException {
        Path file = Files.writeString(dir.resolve("mine.txt"), "# my classes\nn02102040\n\nn01440764  # tench\n");
        assertEquals(List.of("n01440764", "n02102040"), ClassSubsets.read(file).names());
        Files.writeString(file, "n02102040\nn01440764\nn02102040\n");
        IOException e = assertThrows(IOException.class, () -> ClassSubsets.read(file));
        assertTrue(e.getMessage().contains(file + ":3: n02102040 is listed again (first on line 1)"), e.getMessage());
    }
}
