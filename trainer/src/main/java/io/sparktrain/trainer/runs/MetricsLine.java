package io.sparktrain.trainer.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.OptionalDouble;
import java.util.Set;

/** JSON lines of the metrics file: one object per epoch, each with an {@code epoch} field. */
public final class MetricsLine {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NOT_FINITE = Set.of("NaN", "Infinity", "-Infinity");

    private MetricsLine() {}

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A line, or any other JSON the run keeps, as a tree. */
    public static JsonNode parse(String line) throws IOException {
        return JSON.readTree(line);
    }

    /** The number an epoch's line records as {@code field}. */
    public static double numberOf(String line, String field) throws IOException {
        return number(JSON.readTree(line).get(field), field, line);
    }

    /** The number an epoch's line records as {@code field}, if it records one. */
    public static OptionalDouble optionalNumberOf(String line, String field) throws IOException {
        JsonNode node = JSON.readTree(line).get(field);
        return node == null || node.isNull() ? OptionalDouble.empty() : OptionalDouble.of(number(node, field, line));
    }

    /** The number {@code line} records as {@code field}; NaN where it records none, as a chart leaves a gap. */
    public static double numberOrNaN(JsonNode line, String field) {
        return numeric(line.get(field)).orElse(Double.NaN);
    }

    private static double number(JsonNode node, String field, String line) throws IOException {
        OptionalDouble value = numeric(node);
        if (value.isEmpty()) {
            throw new IOException("metrics line without a numeric '" + field + "': " + line);
        }
        return value.getAsDouble();
    }

    /** A number, or the string Jackson writes for a diverged NaN or infinite value. */
    private static OptionalDouble numeric(JsonNode node) {
        if (node != null && node.isNumber()) {
            return OptionalDouble.of(node.doubleValue());
        }
        if (node != null && node.isTextual() && NOT_FINITE.contains(node.textValue())) {
            return OptionalDouble.of(Double.parseDouble(node.textValue()));
        }
        return OptionalDouble.empty();
    }

    static int epochOf(String line) throws IOException {
        JsonNode epoch = JSON.readTree(line).get("epoch");
        if (epoch == null || !epoch.canConvertToInt()) {
            throw new IOException("metrics line without an integer 'epoch': " + line);
        }
        return epoch.intValue();
    }
}
