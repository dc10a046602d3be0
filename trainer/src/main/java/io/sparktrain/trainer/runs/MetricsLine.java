package io.sparktrain.trainer.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /** The number an epoch's line records as {@code field}. */
    static double numberOf(String line, String field) throws IOException {
        JsonNode number = JSON.readTree(line).get(field);
        // Jackson writes a diverged NaN loss as the string "NaN".
        if (number != null && number.isTextual() && NOT_FINITE.contains(number.textValue())) {
            return Double.parseDouble(number.textValue());
        }
        if (number == null || !number.isNumber()) {
            throw new IOException("metrics line without a numeric '" + field + "': " + line);
        }
        return number.doubleValue();
    }

    /** The numbers an epoch's line records as the array {@code field}. */
    public static double[] numbersOf(String line, String field) throws IOException {
        JsonNode array = JSON.readTree(line).get(field);
        if (array == null || !array.isArray()) {
            throw new IOException("metrics line without an array '" + field + "': " + line);
        }
        double[] numbers = new double[array.size()];
        for (int i = 0; i < numbers.length; i++) {
            numbers[i] = array.get(i).isNumber() ? array.get(i).doubleValue() : Double.NaN;
        }
        return numbers;
    }

    static int epochOf(String line) throws IOException {
        JsonNode epoch = JSON.readTree(line).get("epoch");
        if (epoch == null || !epoch.canConvertToInt()) {
            throw new IOException("metrics line without an integer 'epoch': " + line);
        }
        return epoch.intValue();
    }
}
