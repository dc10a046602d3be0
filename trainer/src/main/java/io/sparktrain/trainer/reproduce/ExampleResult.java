package io.sparktrain.trainer.reproduce;

import java.util.List;

/** The checks of one example, measured. */
public record ExampleResult(ExampleRun run, List<Row> rows) {
    public ExampleResult {
        rows = List.copyOf(rows);
    }

    /** A check and what we measured; it passes when every value is within the tolerance of the reference. */
    public record Row(Check check, double[] measured) {
        public boolean passed() {
            if (measured.length != check.expected().size()) {
                return false;
            }
            for (int i = 0; i < measured.length; i++) {
                if (!(Math.abs(measured[i] - check.expected().get(i)) <= check.tolerance())) {
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
