package io.sparktrain.trainer.reproduce;

import java.util.List;

/** The checks of one example, measured. */
public record ExampleResult(ExampleRun run, List<Row> rows) {
    public ExampleResult {
        rows = List.copyOf(rows);
    }

    /** A check and what we measured. */
    public record Row(Check check, double[] measured) {
        public boolean passed() {
            return check.passes(measured);
        }
    }

    public boolean passed() {
        return rows.stream().allMatch(Row::passed);
    }
}
