package io.sparktrain.trainer.ml;

import static io.sparktrain.trainer.config.ConfigSchema.ARCHITECTURE;
import static io.sparktrain.trainer.config.ConfigSchema.AVERAGING_FREQUENCY;
import static io.sparktrain.trainer.config.ConfigSchema.BATCH_SIZE;
import static io.sparktrain.trainer.config.ConfigSchema.EPOCHS;
import static io.sparktrain.trainer.config.ConfigSchema.LEARNING_RATE;
import static io.sparktrain.trainer.config.ConfigSchema.MODEL_SEED;
import static io.sparktrain.trainer.config.ConfigSchema.RUN_ROOT;
import static io.sparktrain.trainer.config.ConfigSchema.SHUFFLE_SEED;
import static io.sparktrain.trainer.config.ConfigSchema.STRATEGY;
import static io.sparktrain.trainer.config.ConfigSchema.UPDATER;
import static io.sparktrain.trainer.config.ConfigSchema.WORKERS;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.RunStart;
import io.sparktrain.trainer.loop.TrainedRun;
import io.sparktrain.trainer.loop.Trainer;
import io.sparktrain.trainer.loop.TrainingData;
import io.sparktrain.trainer.loop.WarmStart;
import io.sparktrain.trainer.scoring.BatchScorer;
import io.sparktrain.trainer.scoring.FeatureColumn;
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.SyncStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML estimator that trains a classifier with the project's distributed trainer: {@code fit}
 * exports the DataFrame's rows to shards, trains them with the loop and synchronization strategy
 * {@code submit/train} uses, into a run directory of its own, and returns a
 * {@link SparkTrainClassificationModel}. The network and training settings come from a HOCON
 * {@code config}, resolved and checked by the same loader as {@code submit/train}'s; the training
 * params override its keys, and params left unset keep the config's values.
 */
public final class SparkTrainClassifier extends Estimator<SparkTrainClassificationModel>
        implements HasScoringParams<SparkTrainClassifier>, MLWritable {
    private static final long serialVersionUID = 1L;

    /** Config keys each training param sets; a param left unset leaves them as the config has them. */
    private static final Map<String, List<String>> CONFIG_KEYS = Map.of(
            "architecture", List.of(ARCHITECTURE.key()),
            "epochs", List.of(EPOCHS.key()),
            "batchSize", List.of(BATCH_SIZE.key()),
            "learningRate", List.of(LEARNING_RATE.key()),
            "updater", List.of(UPDATER.key()),
            "numWorkers", List.of(WORKERS.key()),
            "syncStrategy", List.of(STRATEGY.key()),
            "averagingFrequency", List.of(AVERAGING_FREQUENCY.key()),
            "seed", List.of(MODEL_SEED.key(), SHUFFLE_SEED.key()),
            "runRoot", List.of(RUN_ROOT.key()));

    private final String uid;
    private final ScoringParams scoring;
    private final Param<String> labelCol;
    private final Param<String> config;
    private final Param<String> architecture;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final DoubleParam learningRate;
    private final Param<String> updater;
    private final IntParam numWorkers;
    private final Param<String> syncStrategy;
    private final IntParam averagingFrequency;
    private final LongParam seed;
    private final DoubleParam validationFraction;
    private final Param<String> runRoot;
    private final Param<String> runId;
    private final Param<String> initialModel;

    public SparkTrainClassifier() {
        this(Identifiable.randomUID("sparkTrainClassifier"));
    }

    public SparkTrainClassifier(String uid) {
        // The uid first: every param names this stage as its parent (SPARK-15605).
        this.uid = uid;
        scoring = ScoringParams.of(this);
        labelCol = new Param<>(this, "labelCol", "label column: class indices 0, 1, 2, ... as numbers");
        config = new Param<>(this, "config", "a whole config in HOCON, as submit/train reads it (\"\" for the "
                + "defaults); the training params override its keys; data.* keys other than the shuffle seed "
                + "and spark.* keys do not apply, as the data is the DataFrame and Spark is running");
        architecture = new Param<>(this, "architecture", doc("the network", ARCHITECTURE),
                SparkValidators.allowedBy(ARCHITECTURE));
        epochs = new IntParam(this, "epochs", doc("epochs to train", EPOCHS), SparkValidators.allowedBy(EPOCHS));
        batchSize = new IntParam(this, "batchSize", doc("examples per minibatch and worker", BATCH_SIZE),
                SparkValidators.allowedBy(BATCH_SIZE));
        learningRate = new DoubleParam(this, "learningRate", doc("the optimizer's learning rate", LEARNING_RATE),
                SparkValidators.allowedBy(LEARNING_RATE));
        updater = new Param<>(this, "updater", doc("the optimizer", UPDATER), SparkValidators.allowedBy(UPDATER));
        numWorkers = new IntParam(this, "numWorkers", doc("replicas trained in parallel (0: one per task slot)",
                WORKERS), SparkValidators.allowedBy(WORKERS));
        syncStrategy = new Param<>(this, "syncStrategy", doc("how replicas stay in sync", STRATEGY),
                SparkValidators.allowedBy(STRATEGY));
        averagingFrequency = new IntParam(this, "averagingFrequency", doc("minibatches per worker between two "
                + "parameter averagings", AVERAGING_FREQUENCY), SparkValidators.allowedBy(AVERAGING_FREQUENCY));
        seed = new LongParam(this, "seed", "seed of the initialization and of the shuffles; sets "
                + MODEL_SEED.key() + " and " + SHUFFLE_SEED.key() + " (unset: the config's values)");
        validationFraction = new DoubleParam(this, "validationFraction", "fraction of the rows, the last ones in "
                + "the DataFrame's order, held out to evaluate every epoch, in (0, 1)",
                ParamValidators.inRange(0, 1, false, false));
        runRoot = new Param<>(this, "runRoot", doc("where run directories are kept, any Hadoop file system URI",
                RUN_ROOT));
        runId = new Param<>(this, "runId", "the run to train in: an existing run resumes after its last "
                + "checkpoint, a new id starts a run of that name; \"\" for a new run named after the config");
        initialModel = new Param<>(this, "initialModel", "warm start: a saved SparkTrainClassificationModel's "
                + "path, or a run id or run directory whose last checkpoint to start from; its parameters are "
                + "taken, the optimizer starts afresh; \"\" to start from the config's initialization");
        scoring.setDefaults(this);
        setDefault(labelCol, "label");
        setDefault(config, "");
        setDefault(validationFraction, 0.1);
        setDefault(runId, "");
        setDefault(initialModel, "");
    }

    private static String doc(String what, io.sparktrain.trainer.config.Param<?> setting) {
        return what + ": " + setting.allowed() + "; sets " + setting.key() + " (unset: the config's value)";
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public ScoringParams scoringParams() {
        return scoring;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public Param<String> config() {
        return config;
    }

    public Param<String> architecture() {
        return architecture;
    }

    public IntParam epochs() {
        return epochs;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public Param<String> updater() {
        return updater;
    }

    public IntParam numWorkers() {
        return numWorkers;
    }

    public Param<String> syncStrategy() {
        return syncStrategy;
    }

    public IntParam averagingFrequency() {
        return averagingFrequency;
    }

    public LongParam seed() {
        return seed;
    }

    public DoubleParam validationFraction() {
        return validationFraction;
    }

    public Param<String> runRoot() {
        return runRoot;
    }

    public Param<String> runId() {
        return runId;
    }

    public Param<String> initialModel() {
        return initialModel;
    }

    public SparkTrainClassifier setLabelCol(String value) {
        return with(labelCol, value);
    }

    public SparkTrainClassifier setConfig(String value) {
        return with(config, value);
    }

    public SparkTrainClassifier setArchitecture(String value) {
        return with(architecture, value);
    }

    public SparkTrainClassifier setEpochs(int value) {
        return with(epochs, value);
    }

    public SparkTrainClassifier setBatchSize(int value) {
        return with(batchSize, value);
    }

    public SparkTrainClassifier setLearningRate(double value) {
        return with(learningRate, value);
    }

    public SparkTrainClassifier setUpdater(String value) {
        return with(updater, value);
    }

    public SparkTrainClassifier setNumWorkers(int value) {
        return with(numWorkers, value);
    }

    public SparkTrainClassifier setSyncStrategy(String value) {
        return with(syncStrategy, value);
    }

    public SparkTrainClassifier setAveragingFrequency(int value) {
        return with(averagingFrequency, value);
    }

    public SparkTrainClassifier setSeed(long value) {
        return with(seed, value);
    }

    public SparkTrainClassifier setValidationFraction(double value) {
        return with(validationFraction, value);
    }

    public SparkTrainClassifier setRunRoot(String value) {
        return with(runRoot, value);
    }

    public SparkTrainClassifier setRunId(String value) {
        return with(runId, value);
    }

    public SparkTrainClassifier setInitialModel(String value) {
        return with(initialModel, value);
    }

    private <T> SparkTrainClassifier with(Param<T> param, T value) {
        set(param, value);
        return this;
    }

    /**
     * The config these params describe, resolved and checked as {@code submit/train} checks its
     * own; a problem fails naming the stage and the config key.
     */
    public TrainConfig resolvedConfig() {
        List<String> overrides = new ArrayList<>();
        for (Param<?> param : params()) {
            List<String> keys = CONFIG_KEYS.get(param.name());
            if (keys != null && isDefined(param)) {
                keys.forEach(key -> overrides.add(key + "=" + getOrDefault(param)));
            }
        }
        TrainConfig resolved;
        try {
            resolved = ConfigLoader.parse(getOrDefault(config), "param config of " + uid, overrides, JobKind.TRAIN);
        } catch (InvalidConfigException e) {
            throw new IllegalArgumentException(uid + ": " + e.getMessage(), e);
        }
        List<String> unused = new ArrayList<>();
        for (io.sparktrain.trainer.config.Param<?> setting : ConfigSchema.ALL) {
            boolean dataOrSpark = setting.key().startsWith("data.") || setting.key().startsWith("spark.");
            if (dataOrSpark && setting != SHUFFLE_SEED
                    && !Objects.equals(setting.valueIn(resolved), setting.defaultValue())) {
                unused.add(setting.key());
            }
        }
        if (!resolved.spark().conf().isEmpty()) {
            unused.add(ConfigSchema.SPARK_CONF);
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(uid + ": param config sets " + unused + ", which the estimator does "
                    + "not use: its data is the DataFrame, and Spark is already running");
        }
        return resolved;
    }

    /** Checks the columns and every param, then gives the schema {@link SparkTrainClassificationModel} outputs. */
    @Override
    public StructType transformSchema(StructType schema) {
        TrainConfig resolved = resolvedConfig();
        String label = getOrDefault(labelCol);
        if (!List.of(schema.fieldNames()).contains(label)) {
            throw new IllegalArgumentException("label column \"" + label + "\" is not in the data; it has "
                    + List.of(schema.fieldNames()));
        }
        if (!(schema.apply(label).dataType() instanceof NumericType)) {
            throw new IllegalArgumentException("label column \"" + label + "\" is of type "
                    + schema.apply(label).dataType().simpleString() + "; expected numbers (class indices)");
        }
        boolean image = FeatureColumn.isImage(schema, getFeaturesCol());
        if (!isDefined(inputShape()) && (image || !resolved.model().architecture().equals("mlp"))) {
            throw new IllegalArgumentException("inputShape is not set: " + (image ? "image features"
                    : ARCHITECTURE.key() + " = " + resolved.model().architecture())
                    + " need(s) channels, height, width; only an mlp on vectors or arrays can do without");
        }
        return BatchScorer.outputSchema(schema, scoringColumns());
    }

    @Override
    public SparkTrainClassificationModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        TrainConfig resolved = resolvedConfig();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        try {
            SyncStrategy sync = SyncStrategies.create(resolved, sc);
            Storage storage = new Storage(sc.hadoopConfiguration());
            URI root = Storage.toUri(resolved.run().root());
            String id = getOrDefault(runId);
            RunStart start = id.isEmpty() ? RunStart.locate(storage, root, Optional.empty())
                    : RunStart.resumeOrCreate(storage, root, id);
            String initial = getOrDefault(initialModel);
            Optional<WarmStart> warmStart = initial.isEmpty() ? Optional.empty() : Optional.of(
                    WarmStart.parametersOf(InitialModels.read(dataset.sparkSession(), storage, root, initial)));
            DataFrameShards.Census census = DataFrameShards.census(dataset, getOrDefault(labelCol));
            int[] shape = isDefined(inputShape()) ? getInputShape()
                    : new int[] {1, 1, FeatureColumn.sizeOfFirstRow(dataset, getFeaturesCol())};
            FeatureColumn features = FeatureColumn.of(dataset.schema(), getFeaturesCol(), shape);
            // Every fit exports to a directory of its own, so concurrent fits (CrossValidator's
            // parallelism) never share shards; they are removed once trained.
            URI shards = Storage.resolve(root, "dataframe-shards/" + uid + "-" + UUID.randomUUID());
            try {
                TrainingData data = DataFrameShards.export(sc, storage, dataset, features, getOrDefault(labelCol),
                        census, shape, resolved.training().batchSizePerWorker(), resolved.data().shuffleSeed(),
                        (Double) getOrDefault(validationFraction), shards);
                TrainedRun trained = Trainer.fit(sc, resolved, sync, data, start, warmStart);
                SparkTrainClassificationModel model = SparkTrainClassificationModel.of(uid, trained);
                copyValues(model, ParamMap.empty());
                model.set(model.inputShape(), shape);
                return model.setParent(this);
            } finally {
                if (storage.exists(shards)) {
                    storage.delete(shards);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public SparkTrainClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return StageMetadata.writer((path, spark) -> StageMetadata.write(this, path, spark, Map.of()));
    }

    public static MLReader<SparkTrainClassifier> read() {
        return StageMetadata.reader((path, spark) -> {
            StageMetadata.Loaded metadata = StageMetadata.read(path, spark, SparkTrainClassifier.class);
            SparkTrainClassifier stage = new SparkTrainClassifier(metadata.uid());
            StageMetadata.restoreParams(stage, metadata);
            return stage;
        });
    }

    public static SparkTrainClassifier load(String path) {
        return read().load(path);
    }
}
