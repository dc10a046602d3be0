package io.sparktrain.trainer.scoring;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.runs.MetricsLine;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes scored rows as Parquet that appears complete or not at all: Spark writes into a hidden
 * sibling directory, the summary goes beside the data as {@code _summary.json} (Parquet readers
 * skip names starting with an underscore), and one rename puts the whole in place. Spark's
 * {@code _SUCCESS} marker is therefore only ever seen in a complete output. A failure removes the
 * hidden directory.
 */
public final class PredictionOutput {
    public static final String SUMMARY = "_summary.json";
    private static final Logger log = LoggerFactory.getLogger(PredictionOutput.class);

    private PredictionOutput() {}

    /** A check of the number of rows written, before they are put in place; it throws to refuse them. */
    @FunctionalInterface
    public interface RowCheck {
        void check(long rows) throws IOException;
    }

    /**
     * Scores and writes {@code scored} to {@code output}, which must not exist; returns the summary
     * ({@code about}'s fields, then rows, seconds, rows per second and, for labeled rows, accuracy).
     * When {@code check} refuses the rows written, nothing is left behind.
     */
    public static Map<String, Object> write(Storage storage, Dataset<Row> scored, URI output, boolean labeled,
            Map<String, Object> about, RowCheck check) throws IOException {
        if (storage.exists(output)) {
            throw new IOException(Storage.display(output) + " already exists; predictions go to a new directory");
        }
        Path target = new Path(output);
        URI writing = new Path(target.getParent(), "." + target.getName() + ".writing-" + UUID.randomUUID()).toUri();
        boolean placed = false;
        try {
            long start = System.nanoTime();
            scored.write().parquet(writing.toString());
            double seconds = (System.nanoTime() - start) / 1e9;
            Dataset<Row> written = scored.sparkSession().read().parquet(writing.toString());
            long rows = written.count();
            check.check(rows);
            Map<String, Object> summary = new LinkedHashMap<>(about);
            summary.put("rows", rows);
            summary.put("seconds", seconds);
            summary.put("rows_per_second", rows / seconds);
            if (labeled) {
                summary.put("accuracy", written.agg(avg(when(col(PredictionInput.LABEL).equalTo(col("prediction")), 1.0)
                        .otherwise(0.0))).first().getDouble(0));
            }
            storage.writeStringAtomically(Storage.resolve(writing, SUMMARY), MetricsLine.toJson(summary) + "\n");
            storage.rename(writing, output);
            placed = true;
            log.info("Wrote {} predictions to {} in {} s ({} rows/s){}", rows, Storage.display(output),
                    String.format("%.1f", seconds), String.format("%.0f", rows / seconds),
                    labeled ? String.format(", accuracy %.2f%%", 100 * (double) summary.get("accuracy")) : "");
            return summary;
        } finally {
            // Whatever failed, Spark's own exceptions included: nothing half-written stays behind.
            if (!placed && storage.exists(writing)) {
                storage.delete(writing);
            }
        }
    }
}
