package io.sparktrain.trainer.reproduce;

import java.util.List;

/**
 * One figure of a reference to compare with ours: {@code metric} computed on the trained network
 * (for {@code prediction} and {@code class} at {@code input}; for {@code param} and
 * {@code param-sum} of parameter {@code param}), within {@code tolerance} of {@code expected}, or on
 * the right side of it when {@code bound} is one, for the reason {@code why}.
 */
public record Check(Metric metric, List<Double> expected, double tolerance, String why, List<Double> input,
        int output, String param, Bound bound) {
    public Check {
        expected = List.copyOf(expected);
        input = List.copyOf(input);
    }

    /** How a measured value must relate to the expected one. */
    public enum Bound {
        /** within the tolerance of it */
        NONE("", "expected"),
        /** no larger */
        AT_MOST("at most ", "at-most"),
        /** no smaller */
        AT_LEAST("at least ", "at-least");

        private final String prefix;
        private final String key;

        Bound(String prefix, String key) {
            this.prefix = prefix;
            this.key = key;
        }

        /** The words before the expected value in a report. */
        public String prefix() {
            return prefix;
        }

        /** The key holding the expected value in an example file. */
        public String key() {
            return key;
        }

        boolean holds(double measured, double expected, double tolerance) {
            return switch (this) {
                case NONE -> Math.abs(measured - expected) <= tolerance;
                case AT_MOST -> measured <= expected;
                case AT_LEAST -> measured >= expected;
            };
        }
    }

    /** Whether {@code measured} holds one value per expected one, each where the check wants it. */
    public boolean passes(double[] measured) {
        if (measured.length != expected.size()) {
            return false;
        }
        for (int i = 0; i < measured.length; i++) {
            if (!bound.holds(measured[i], expected.get(i), tolerance)) {
                return false;
            }
        }
        return true;
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
