package io.sparktrain.trainer.scoring;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Applies a classifier to a DataFrame on the executors: each task borrows a network restored from
 * the broadcast model (see {@link NetworkPool}), feeds it rows in minibatches, and appends the
 * columns Spark ML's classification evaluators read: raw scores and class probabilities as
 * Vectors, and the most probable class as a double. The raw score is the natural logarithm of the
 * probability, the network's log-softmax: it orders classes as the logits do.
 */
public final class BatchScorer {
    private BatchScorer() {}

    /** Names of the columns to add; an empty name leaves that column out, as in Spark ML. */
    public record Columns(String rawPrediction, String probability, String prediction) implements Serializable {
        private static final long serialVersionUID = 1L;

        List<String> named() {
            return Stream.of(rawPrediction, probability, prediction).filter(c -> !c.isEmpty())
                    .toList();
        }
    }

    /** {@code input} with the scoring columns appended; refuses names the input already has. */
    public static StructType outputSchema(StructType input, Columns columns) {
        List<String> existing = List.of(input.fieldNames());
        StructType schema = input;
        for (String column : columns.named()) {
            if (existing.contains(column)) {
                throw new IllegalArgumentException("output column \"" + column + "\" already exists in the data");
            }
        }
        if (!columns.rawPrediction().isEmpty()) {
            schema = schema.add(columns.rawPrediction(), SQLDataTypes.VectorType(), false);
        }
        if (!columns.probability().isEmpty()) {
            schema = schema.add(columns.probability(), SQLDataTypes.VectorType(), false);
        }
        if (!columns.prediction().isEmpty()) {
            schema = schema.add(columns.prediction(), DataTypes.DoubleType, false);
        }
        return schema;
    }

    /** {@code data} with the scoring columns, computed lazily when the result is used. */
    public static Dataset<Row> score(Dataset<?> data, FeatureColumn features, Columns columns,
            Broadcast<ScoringModel> model, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("inference batch size must be at least 1, got " + batchSize);
        }
        StructType schema = outputSchema(data.schema(), columns);
        return data.sparkSession().createDataFrame(data.toDF().javaRDD().mapPartitions(
                rows -> new Scored(rows, features, columns, model, batchSize)), schema);
    }

    /** A partition's rows with their scores, computed one minibatch ahead of the reader. */
    private static final class Scored implements Iterator<Row> {
        private final Iterator<Row> input;
        private final FeatureColumn features;
        private final Columns columns;
        private final int batchSize;
        private final Broadcast<ScoringModel> model;
        private ComputationGraph network;
        private final List<Row> ready = new ArrayList<>();
        private int next;

        Scored(Iterator<Row> input, FeatureColumn features, Columns columns, Broadcast<ScoringModel> model,
                int batchSize) {
            this.input = input;
            this.features = features;
            this.columns = columns;
            this.model = model;
            this.batchSize = batchSize;
        }

        @Override
        public boolean hasNext() {
            if (next < ready.size()) {
                return true;
            }
            if (!input.hasNext()) {
                return false;
            }
            scoreNextBatch();
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.get(next++);
        }

        private void scoreNextBatch() {
            if (network == null) {
                ComputationGraph borrowed = NetworkPool.borrow(model);
                network = borrowed;
                TaskContext task = TaskContext.get();
                if (task != null) {
                    task.addTaskCompletionListener((TaskContext done) -> NetworkPool.giveBack(model, borrowed));
                }
            }
            List<Row> rows = new ArrayList<>(batchSize);
            while (rows.size() < batchSize && input.hasNext()) {
                rows.add(input.next());
            }
            int size = features.size();
            float[] batch = new float[rows.size() * size];
            for (int i = 0; i < rows.size(); i++) {
                features.read(rows.get(i), batch, i * size);
            }
            INDArray output = network.outputSingle(false, Nd4j.create(batch, new long[] {rows.size(), size}, 'c'));
            float[][] probabilities = output.toFloatMatrix();
            ready.clear();
            next = 0;
            for (int i = 0; i < rows.size(); i++) {
                ready.add(withScores(rows.get(i), probabilities[i]));
            }
        }

        private Row withScores(Row row, float[] probabilities) {
            int classes = probabilities.length;
            double[] probability = new double[classes];
            double[] raw = new double[classes];
            int best = 0;
            for (int c = 0; c < classes; c++) {
                probability[c] = probabilities[c];
                raw[c] = Math.log(Math.max(probability[c], Double.MIN_NORMAL));
                if (probability[c] > probability[best]) {
                    best = c;
                }
            }
            List<Object> values = new ArrayList<>(row.size() + 3);
            for (int i = 0; i < row.size(); i++) {
                values.add(row.get(i));
            }
            if (!columns.rawPrediction().isEmpty()) {
                values.add(Vectors.dense(raw));
            }
            if (!columns.probability().isEmpty()) {
                values.add(Vectors.dense(probability));
            }
            if (!columns.prediction().isEmpty()) {
                values.add((double) best);
            }
            return RowFactory.create(values.toArray());
        }
    }
}
