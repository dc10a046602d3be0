package io.sparktrain.trainer.reproduce;

import java.util.List;

/**
 * One figure of a reference to compare with ours: {@code metric} computed on the trained network
 * (for {@code prediction} and {@code class} at {@code input}; for {@code param} and
 * {@code param-sum} of parameter {@code param}), within {@code tolerance} of {@code expected}, or
 * with {@code atMost} no larger than it (a bound), for the reason {@code why}.
 */
public record Check(Metric metric, List<Double> expected, double tolerance, String why, List<Double> input,
        int output, String param, boolean atMost) {
    public Check {
        expected = List.copyOf(expected);
        input = List.copyOf(input);
    }

    /** What the row of the report calls this check. */
    public String describe() {
        return switch (metric) {
            case PREDICTION -> "prediction for " + numbers(input) + (output > 0 ? ", output " + output : "");
            case CLASS -> "class of " + numbers(input);
            case PARAM, PARAM_SUM -> metric.key() + " " + param;
            default -> metric.key();
        };
    }

    static String numbers(List<Double> values) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            text.append(i == 0 ? "" : ", ").append(Report.format(values.get(i)));
        }
        return text.append(']').toString();
    }
}
