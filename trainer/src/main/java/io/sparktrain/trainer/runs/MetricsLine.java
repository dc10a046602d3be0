package io.sparktrain.trainer.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON lines of the metrics file: one object per epoch, each with an {@code epoch} field. */
public final class MetricsLine {
    static final ObjectMapper JSON = new ObjectMapper();

    private MetricsLine() {}

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test accuracy an epoch's line records. */
    static double testAccuracyOf(String line) throws IOException {
        JsonNode accuracy = JSON.readTree(line).get("test_accuracy");
        if (accuracy == null || !accuracy.isNumber()) {
            throw new IOException("metrics line without a numeric 'test_accuracy': " + line);
        }
        return accuracy.doubleValue();
    }

    static int epochOf(String line) throws IOException {
        JsonNode epoch = JSON.readTree(line).get("epoch");
        if (epoch == null || !epoch.canConvertToInt()) {
            throw new IOException("metrics line without an integer 'epoch': " + line);
        }
        return epoch.intValue();
    }
}
