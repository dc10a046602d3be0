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

    /** A number, or the string Jackson writes for a diverged NaN or infinite value. */
    private static double number(JsonNode node, String field, String line) throws IOException {
        if (node != null && node.isNumber()) {
            return node.doubleValue();
        }
        if (node != null && node.isTextual() && NOT_FINITE.contains(node.textValue())) {
            return Double.parseDouble(node.textValue());
        }
        throw new IOException("metrics line without a numeric '" + field + "': " + line);
    }

    static int epochOf(String line) throws IOException {
        JsonNode epoch = JSON.readTree(line).get("epoch");
        if (epoch == null || !epoch.canConvertToInt()) {
            throw new IOException("metrics line without an integer 'epoch': " + line);
        }
        return epoch.intValue();
    }
}
