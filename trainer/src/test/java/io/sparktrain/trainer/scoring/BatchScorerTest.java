package io.sparktrain.trainer.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;

class BatchScorerTest {
    private static final BatchScorer.Columns COLUMNS = new BatchScorer.Columns("", "probability", "prediction");

    private static byte[] mlp(int classes) throws IOException {
        ComputationGraph network = ModelSpec.of(ConfigLoader.parse("model { architecture = mlp, hidden-layers = [4] }",
                "test", List.of()).model(), 1, 1, 4, classes).newNetwork("mlp");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(network, bytes, false);
        return bytes.toByteArray();
    }

    /** Scores three rows with {@code network} in a SparkContext of its own; returns the probabilities' size. */
    private static int classesScored(byte[] network) {
        try (JavaSparkContext sc = SparkContexts.create(ConfigLoader.parse("spark { master = \"local[2]\", conf { "
                + "\"spark.ui.enabled\" = false } }", "test", List.of()).spark())) {
            SparkSession spark = SparkSession.builder().getOrCreate();
            StructType schema = new StructType().add("features", SQLDataTypes.VectorType());
            Dataset<Row> rows = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(1, 2, 3, 4)),
                    RowFactory.create(Vectors.dense(0, 0, 0, 0)), RowFactory.create(Vectors.dense(4, 3, 2, 1))), schema);
            List<Row> scored = BatchScorer.score(rows, FeatureColumn.of(schema, "features", new int[] {1, 1, 4}),
                    COLUMNS, ScoringModel.broadcast(sc, network), 2).collectAsList();
            assertEquals(3, scored.size());
            return ((Vector) scored.get(0).getAs("probability")).size();
        }
    }

    @Test
    void aModelScoredInANewSparkContextIsNeverServedAnOlderModelsNetwork() throws IOException {
        // Both broadcasts are the first of their context, with the same id: the pool must tell them apart.
        assertEquals(3, classesScored(mlp(3)));
        assertEquals(5, classesScored(mlp(5)));
    }
}
