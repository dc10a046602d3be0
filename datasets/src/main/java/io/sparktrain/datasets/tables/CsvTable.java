package io.sparktrain.datasets.tables;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a table of numbers from a CSV file whose last {@code labelColumns} columns are the labels,
 * like the diabetes data of the course (eight normalized features, the 0/1 label last). Blank
 * lines and lines starting with {@code #} are skipped; a first line that is not all numbers is
 * taken as a header. Any other problem names the file, the line and the column.
 */
public final class CsvTable {
    private CsvTable() {}

    public static Table read(Path file, int labelColumns) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such CSV file");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<double[]> rows = new ArrayList<>();
        int columns = -1;
        for (int n = 1; n <= lines.size(); n++) {
            String line = lines.get(n - 1).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (rows.isEmpty() && columns < 0 && !allNumbers(fields)) {
                columns = fields.length; // a header
                continue;
            }
            if (columns < 0) {
                columns = fields.length;
            }
            if (fields.length != columns) {
                throw new IOException(file + ":" + n + ": " + fields.length + " columns, expected " + columns
                        + " like the first line");
            }
            rows.add(parse(file, n, fields));
        }
        if (rows.isEmpty()) {
            throw new IOException(file + ": no rows of numbers");
        }
        if (labelColumns < 1 || labelColumns >= columns) {
            throw new IOException(file + ": " + columns + " columns cannot hold " + labelColumns
                    + " label columns and at least one feature (data.label-columns)");
        }
        int featureColumns = columns - labelColumns;
        double[][] features = rows.stream().map(r -> Arrays.copyOf(r, featureColumns)).toArray(double[][]::new);
        double[][] labels = rows.stream().map(r -> Arrays.copyOfRange(r, featureColumns, r.length))
                .toArray(double[][]::new);
        return new Table(file.toString(), features, labels);
    }

    private static boolean allNumbers(String[] fields) {
        for (String field : fields) {
            try {
                Double.parseDouble(field.strip());
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static double[] parse(Path file, int line, String[] fields) throws IOException {
        double[] row = new double[fields.length];
        for (int c = 0; c < fields.length; c++) {
            try {
                row[c] = Double.parseDouble(fields[c].strip());
            } catch (NumberFormatException e) {
                row[c] = Double.NaN;
            }
            if (!Double.isFinite(row[c])) {
                throw new IOException(file + ":" + line + ": column " + (c + 1) + " is '" + fields[c].strip()
                        + "', expected a finite number");
            }
        }
        return row;
    }
}
