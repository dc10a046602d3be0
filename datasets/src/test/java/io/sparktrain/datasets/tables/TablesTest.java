package io.sparktrain.datasets.tables;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TablesTest {
    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("data.csv"), text);
    }

    private String csvError(String text, int labelColumns) throws IOException {
        Path file = csv(text);
        return assertThrows(IOException.class, () -> CsvTable.read(file, labelColumns)).getMessage();
    }

    @Test
    void csvRowsSplitIntoFeaturesAndTheLastLabelColumns() throws IOException {
        // Like the course's diabetes file: normalized features, the 0/1 label last; here with a header.
        Table table = CsvTable.read(csv("""
                pregnancies,glucose,label
                # a comment
                -0.294118,0.487437,0

                -0.882353,-0.145729,1
                """), 1);
        assertEquals(2, table.rows());
        assertEquals(2, table.featureColumns());
        assertArrayEquals(new double[] {-0.882353, -0.145729}, table.features()[1]);
        assertArrayEquals(new double[] {1}, table.labels()[1]);
        assertEquals(2, CsvTable.read(csv("1,2,3,4\n5,6,7,8\n"), 2).labelColumns());
    }

    @Test
    void badCsvNamesFileLineAndColumn() throws IOException {
        String ragged = csvError("1,2,0\n3,4\n", 1);
        assertTrue(ragged.endsWith("data.csv:2: 2 columns, expected 3 like the first line"), ragged);
        String word = csvError("1,2,0\n3,x,1\n", 1);
        assertTrue(word.endsWith("data.csv:2: column 2 is 'x', expected a finite number"), word);
        String nan = csvError("1,2,0\n3,NaN,1\n", 1);
        assertTrue(nan.contains("column 2 is 'NaN'"), nan);
        assertTrue(csvError("a,b\n", 1).endsWith("data.csv: no rows of numbers"));
        assertTrue(csvError("1,2\n", 2).contains("2 columns cannot hold 2 label columns and at least one feature"));
        Path absent = dir.resolve("absent.csv");
        assertTrue(assertThrows(IOException.class, () -> CsvTable.read(absent, 1)).getMessage()
                .endsWith("absent.csv: no such CSV file"));
    }

    @Test
    void tablesRefuseRaggedOrMismatchedRows() {
        String mismatch = assertThrows(IllegalArgumentException.class,
                () -> new Table("t", new double[][] {{1}, {2}}, new double[][] {{1}})).getMessage();
        assertEquals("t: 2 rows of features but 1 rows of labels", mismatch);
        String ragged = assertThrows(IllegalArgumentException.class,
                () -> new Table("t", new double[][] {{1, 2}, {2}}, new double[][] {{1}, {0}})).getMessage();
        assertEquals("t: features row 2 has 1 values, expected 2 like row 1 (and at least one)", ragged);
    }

    @Test
    void quadraticPointsFollowTheParabolaWithUnitNoise() {
        Table table = GeneratedTables.quadratic(2000, 5);
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < table.rows(); i++) {
            double x = table.features()[i][0];
            assertTrue(x >= -15 && x <= 15, "x = " + x);
            double noise = table.labels()[i][0] - (x * x + 3);
            sum += noise;
            squares += noise * noise;
        }
        double mean = sum / table.rows();
        assertEquals(0, mean, 0.1);
        assertEquals(1, Math.sqrt(squares / table.rows() - mean * mean), 0.1);
        assertEquals(table, GeneratedTables.quadratic(2000, 5), "seeded");
    }

    @Test
    void separablePointsKeepTheirMarginFromTheLine() {
        Table table = GeneratedTables.separable(500, 3);
        double norm = Math.sqrt(1.25);
        int positives = 0;
        for (int i = 0; i < table.rows(); i++) {
            double[] x = table.features()[i];
            double distance = (x[1] - 0.5 * x[0] - 0.1) / norm;
            assertTrue(Math.abs(distance) >= GeneratedTables.SEPARABLE_MARGIN);
            assertEquals(distance > 0 ? 1 : 0, table.labels()[i][0]);
            positives += (int) table.labels()[i][0];
        }
        assertTrue(positives > 100 && positives < 400, positives + " positives");
    }
}
