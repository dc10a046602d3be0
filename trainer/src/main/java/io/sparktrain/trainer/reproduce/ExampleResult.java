package io.sparktrain.trainer.reproduce;

import java.util.List;

/** The checks of one example, measured. */
public record ExampleResult(ExampleRun run, List<Row> rows) {
    public ExampleResult {
        rows = List.copyOf(rows);
    }

    /** A check and what we measured; it passes when every value is within the tolerance of (or below) the reference. */
    public record Row(Check check, double[] measured) {
        public boolean passed() {
            if (measured.length != check.expected().size()) {
                return false;
            }
            for (int i = 0; i < measured.length; i++) {
                double expected = check.expected().get(i);
                if (check.atMost() ? !(measured[i] <= expected)
                        : !(Math.abs(measured[i] - expected) <= check.tolerance())) {
                    return false;
                }
            }
            return true;
        }
    }

    public boolean passed() {
        return rows.stream().allMatch(Row::passed);
    }
}
