package io.sparktrain.trainer.ml;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.loop.TrainedRun;
import io.sparktrain.trainer.scoring.BatchScorer;
import io.sparktrain.trainer.scoring.FeatureColumn;
import io.sparktrain.trainer.scoring.ScoringModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A trained classifier as a Spark ML model: {@code transform} scores a DataFrame on the executors
 * (see {@link BatchScorer}), adding the raw prediction, probability and prediction columns Spark's
 * evaluators read. Made by {@link SparkTrainClassifier#fit} or from any run's checkpoint
 * ({@link #of(String, ComputationGraph, String, List, int[])}); saved in Spark ML's layout, with the
 * network as DL4J's model file under {@code data/}.
 */
public final class SparkTrainClassificationModel extends Model<SparkTrainClassificationModel>
        implements HasScoringParams<SparkTrainClassificationModel>, MLWritable {
    private static final long serialVersionUID = 1L;
    private static final String NETWORK_FILE = "data/network.zip";
    private static final String HISTORY_FILE = "data/history.jsonl";

    private final String uid;
    private final ScoringParams scoring;
    private final byte[] network;
    private final String runId;
    private final List<String> history;
    private transient Broadcast<ScoringModel> broadcast;
    private transient SparkContext broadcastBy;

    private SparkTrainClassificationModel(String uid, byte[] network, String runId, List<String> history) {
        this.uid = uid;
        this.scoring = ScoringParams.of(this);
        this.network = network;
        this.runId = runId;
        this.history = List.copyOf(history);
        scoring.setDefaults(this);
    }

    /** The network a fit trained, with the run's metrics as its history. */
    static SparkTrainClassificationModel of(String uid, TrainedRun trained) throws IOException {
        return new SparkTrainClassificationModel(uid, serialize(trained.network()), trained.run().id(),
                trained.history());
    }

    /** A model of {@code network}, e.g. a run's checkpoint, reading examples of {@code inputShape}. */
    public static SparkTrainClassificationModel of(String uid, ComputationGraph network, String runId,
            List<String> history, int[] inputShape) throws IOException {
        SparkTrainClassificationModel model = new SparkTrainClassificationModel(uid, serialize(network), runId,
                history);
        model.set(model.inputShape(), inputShape);
        return model;
    }

    private static byte[] serialize(ComputationGraph network) throws IOException {
        // Without the updater state: scoring needs the parameters only; the run keeps the rest.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(network, out, false);
        return out.toByteArray();
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public ScoringParams scoringParams() {
        return scoring;
    }

    /** A copy of the trained network, restored from the model's bytes. */
    public ComputationGraph network() {
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(network), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the network of " + uid, e);
        }
    }

    /** The run the network was trained in. */
    public String runId() {
        return runId;
    }

    /** The training history: the run's metrics, one JSON line per epoch, as its metrics.jsonl holds them. */
    public List<String> history() {
        return history;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(inputShape())) {
            throw new IllegalArgumentException("inputShape is not set: the model needs channels, height, width");
        }
        FeatureColumn.of(schema, getFeaturesCol(), getInputShape());
        return BatchScorer.outputSchema(schema, scoringColumns());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        FeatureColumn features = FeatureColumn.of(dataset.schema(), getFeaturesCol(), getInputShape());
        return BatchScorer.score(dataset, features, scoringColumns(), broadcastIn(dataset.sparkSession()),
                getInferenceBatchSize());
    }

    /**
     * The network's bytes go to each executor once per model and SparkContext, however many
     * DataFrames it scores.
     */
    private synchronized Broadcast<ScoringModel> broadcastIn(SparkSession spark) {
        SparkContext sc = spark.sparkContext();
        if (broadcast == null || broadcastBy != sc) {
            broadcast = ScoringModel.broadcast(JavaSparkContext.fromSparkContext(sc), network);
            broadcastBy = sc;
        }
        return broadcast;
    }

    @Override
    public SparkTrainClassificationModel copy(ParamMap extra) {
        SparkTrainClassificationModel copy = new SparkTrainClassificationModel(uid, network.clone(), runId, history);
        return copyValues(copy, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return StageMetadata.writer((path, spark) -> {
            Storage storage = StageMetadata.storage(spark);
            URI dir = Storage.toUri(path);
            // Data before metadata: a directory with metadata is a complete model.
            storage.writeWithChecksum(Storage.resolve(dir, NETWORK_FILE), out -> {
                out.write(network);
                return null;
            });
            storage.writeStringAtomically(Storage.resolve(dir, HISTORY_FILE),
                    history.isEmpty() ? "" : String.join("\n", history) + "\n");
            StageMetadata.write(this, path, spark, Map.of("runId", runId));
        });
    }

    public static MLReader<SparkTrainClassificationModel> read() {
        return StageMetadata.reader((path, spark) -> {
            StageMetadata.Loaded metadata = StageMetadata.read(path, spark, SparkTrainClassificationModel.class);
            Storage storage = StageMetadata.storage(spark);
            URI dir = Storage.toUri(path);
            URI networkFile = Storage.resolve(dir, NETWORK_FILE);
            storage.verifyChecksum(networkFile);
            byte[] bytes;
            try (InputStream in = storage.open(networkFile)) {
                bytes = in.readAllBytes();
            }
            List<String> history = storage.readString(Storage.resolve(dir, HISTORY_FILE)).lines()
                    .filter(line -> !line.isBlank()).toList();
            SparkTrainClassificationModel model = new SparkTrainClassificationModel(metadata.uid(), bytes,
                    metadata.text("runId"), history);
            StageMetadata.restoreParams(model, metadata);
            return model;
        });
    }

    public static SparkTrainClassificationModel load(String path) {
        return read().load(path);
    }
}
