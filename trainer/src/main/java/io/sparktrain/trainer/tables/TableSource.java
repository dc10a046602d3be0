package io.sparktrain.trainer.tables;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.tables.CsvTable;
import io.sparktrain.datasets.tables.GeneratedTables;
import io.sparktrain.datasets.tables.Table;
import io.sparktrain.trainer.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The table a job's data settings describe. */
public final class TableSource {
    private TableSource() {}

    public static Table load(TrainConfig.Data data) throws IOException {
        return switch (data.dataset()) {
            case Datasets.INLINE -> inline(data);
            case Datasets.CSV -> CsvTable.read(Path.of(data.file()), data.labelColumns());
            default -> GeneratedTables.generate(data.dataset(), data.trainExamples(), data.shuffleSeed());
        };
    }

    /** The rows written in the config; a ragged or mismatched table is refused naming both keys. */
    public static Table inline(TrainConfig.Data data) {
        return new Table("data.features / data.labels", rows(data.features()), rows(data.labels()));
    }

    private static double[][] rows(List<List<Double>> rows) {
        return rows.stream().map(row -> row.stream().mapToDouble(Double::doubleValue).toArray())
                .toArray(double[][]::new);
    }
}
