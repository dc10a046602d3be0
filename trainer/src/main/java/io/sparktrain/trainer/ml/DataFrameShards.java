package io.sparktrain.trainer.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.sparktrain.datasets.Checksums;
import io.sparktrain.datasets.shards.ShardDirectory;
import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardManifest;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.shards.ShardSpec;
import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.loop.TrainingData;
import io.sparktrain.trainer.scoring.FeatureColumn;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * Exports a DataFrame's rows as the project's shards, on the executors: the same pre-batched,
 * checksummed files and manifest {@code submit/train} writes for its datasets, so the estimator
 * trains through the same loop. Rows keep the DataFrame's order. As in Keras' validation_split,
 * the last {@code validationFraction} of the rows are held out for evaluation, before shuffling;
 * each part is then shuffled with the seed and cut into shards exactly as a dataset export is, so
 * the same rows give the same shards as {@code submit/train}.
 */
final class DataFrameShards {
    private DataFrameShards() {}

    /** One row on its way into a shard: its position in the shuffled order, its features and class. */
    private record Example(int position, float[] features, int label) implements Serializable {}

    /** What {@link #export} learns of the rows before it writes: their number and classes. */
    record Census(long rows, int numClasses) {}

    /** Counts the rows and checks that every label is a class index: an integer, 0 or more. */
    static Census census(Dataset<?> data, String labelCol) {
        Row stats = SparkJobs.named(JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext()),
                "shard-export", "label census, " + labelCol, () -> data.agg(count(lit(1)), min(col(labelCol)),
                        max(col(labelCol)), sum(when(col(labelCol).isNull()
                                .or(col(labelCol).notEqual(floor(col(labelCol)))), 1).otherwise(0)))
                        .first());
        long rows = stats.getLong(0);
        if (rows == 0) {
            throw new IllegalArgumentException("the data has no rows to train on");
        }
        long notIndices = stats.isNullAt(3) ? 0 : stats.getLong(3);
        double lowest = ((Number) stats.get(1)).doubleValue();
        if (notIndices > 0 || lowest < 0) {
            throw new IllegalArgumentException("label column \"" + labelCol + "\" holds " + (notIndices > 0
                    ? notIndices + " null or fractional values" : "the value " + lowest)
                    + "; expected class indices 0, 1, 2, ...");
        }
        double highest = ((Number) stats.get(2)).doubleValue();
        if (highest >= 100_000) {
            throw new IllegalArgumentException("label column \"" + labelCol + "\" holds the class index "
                    + (long) highest + "; expected at most 99999");
        }
        return new Census(rows, (int) highest + 1);
    }

    /**
     * Writes the training and validation shards of {@code data} below {@code dir} and returns them
     * as the data {@link io.sparktrain.trainer.loop.Trainer} trains on.
     */
    static TrainingData export(JavaSparkContext sc, Storage storage, Dataset<?> data, FeatureColumn features,
            String labelCol, Census census, int[] shape, int batchSize, long seed, double validationFraction,
            URI dir) throws IOException {
        if (census.rows() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the data has " + census.rows() + " rows; at most "
                    + Integer.MAX_VALUE + " can be trained on in one fit");
        }
        int rows = (int) census.rows();
        int validation = (int) Math.round(rows * validationFraction);
        int training = rows - validation;
        if (validation < 1 || training < 1) {
            throw new IllegalArgumentException("validationFraction " + validationFraction + " of " + rows
                    + " rows leaves " + training + " for training and " + validation
                    + " for validation; each needs at least one");
        }
        JavaPairRDD<Row, Long> indexed = SparkJobs.named(sc, "shard-export", "shard export, row numbers",
                () -> data.select(features.name(), labelCol).toDF().javaRDD().zipWithIndex()
                        .persist(StorageLevel.MEMORY_AND_DISK()));
        try {
            ShardSet train = SparkJobs.named(sc, "shard-export", "shard export, dataframe-train",
                    () -> exportPart(sc, storage, indexed, features, census.numClasses(), shape, batchSize, seed, 0,
                            training, Storage.resolve(dir, "train"), "dataframe-train"));
            ShardSet test = SparkJobs.named(sc, "shard-export", "shard export, dataframe-validation",
                    () -> exportPart(sc, storage, indexed, features, census.numClasses(), shape, batchSize, seed,
                            training, rows, Storage.resolve(dir, "validation"), "dataframe-validation"));
            return new TrainingData(train, test, ShardLoaders.asStored(), shape[0], shape[1], shape[2],
                    census.numClasses(), Optional.empty());
        } finally {
            indexed.unpersist(false);
        }
    }

    /** Rows {@code from .. to-1} of the DataFrame's order, shuffled with {@code seed} and batched. */
    private static ShardSet exportPart(JavaSparkContext sc, Storage storage, JavaPairRDD<Row, Long> indexed,
            FeatureColumn features, int numClasses, int[] shape, int batchSize, long seed, int from, int to, URI dir,
            String name) throws IOException {
        int count = to - from;
        int[] order = ShardDirectory.shuffledOrder(count, seed);
        int[] positions = new int[count];
        for (int position = 0; position < count; position++) {
            positions[order[position]] = position;
        }
        Broadcast<int[]> positionOf = sc.broadcast(positions);
        int shardCount = (count + batchSize - 1) / batchSize;
        ShardDirectory.startAfresh(storage, dir);
        try {
            List<ShardManifest.Shard> shards = new ArrayList<>(indexed
                    .filter(row -> row._2() >= from && row._2() < to)
                    .mapToPair(row -> {
                        int position = positionOf.value()[(int) (row._2() - from)];
                        float[] values = new float[features.size()];
                        features.read(row._1(), values, 0);
                        int label = ((Number) row._1().get(1)).intValue();
                        return new Tuple2<>(position / batchSize, new Example(position, values, label));
                    })
                    .groupByKey(Math.max(1, Math.min(shardCount, sc.defaultParallelism() * 4)))
                    .map(shard -> writeShard(storage, dir, shard._1(), shard._2(), numClasses))
                    .collect());
            shards.sort(Comparator.comparing(ShardManifest.Shard::file));
            // The digests of the shards, in order, fingerprint the rows and their order.
            String fingerprint = Checksums.sha256(new ByteArrayInputStream(shards.stream()
                    .map(ShardManifest.Shard::sha256).collect(Collectors.joining("\n"))
                    .getBytes(StandardCharsets.UTF_8)));
            ShardSpec spec = new ShardSpec(name, fingerprint, count, batchSize, seed, shape.clone(), numClasses);
            return ShardDirectory.finish(storage, dir, spec, shards);
        } finally {
            positionOf.destroy();
        }
    }

    private static ShardManifest.Shard writeShard(Storage storage, URI dir, int id, Iterable<Example> examples,
            int numClasses) throws IOException {
        List<Example> batch = new ArrayList<>();
        examples.forEach(batch::add);
        batch.sort(Comparator.comparingInt(Example::position));
        int size = batch.get(0).features().length;
        float[] features = new float[batch.size() * size];
        float[] labels = new float[batch.size() * numClasses];
        for (int row = 0; row < batch.size(); row++) {
            System.arraycopy(batch.get(row).features(), 0, features, row * size, size);
            labels[row * numClasses + batch.get(row).label()] = 1f;
        }
        return ShardDirectory.writeShard(storage, dir, id, new DataSet(
                Nd4j.create(features, new long[] {batch.size(), size}, 'c'),
                Nd4j.create(labels, new long[] {batch.size(), numClasses}, 'c')));
    }
}
