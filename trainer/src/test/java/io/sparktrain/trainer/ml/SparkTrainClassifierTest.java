package io.sparktrain.trainer.ml;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.loop.TrainedRun;
import io.sparktrain.trainer.loop.Trainer;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The estimator and its model in Spark ML pipelines, on real MNIST images in {@code local[2]}. */
class SparkTrainClassifierTest {
    private static final String LENET = "model { architecture = lenet, updater = adam, learning-rate = 0.002, "
            + "seed = 7 }\ntraining { batch-size-per-worker = 32, report-every-batches = 1000 }\n"
            + "sync { strategy = parameter-averaging, averaging-frequency = 5 }";

    private static JavaSparkContext sc;
    private static SparkSession spark;
    private static Mnist mnist;

    @TempDir
    Path root;

    @BeforeAll
    static void startSpark() throws IOException {
        sc = SparkContexts.create(ConfigLoader.parse("spark { master = \"local[2]\", conf { \"spark.ui.enabled\" = "
                + "false } }", "test", List.of()).spark());
        spark = SparkSession.builder().getOrCreate();
        mnist = TestMnist.fetch();
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    /** MNIST images as a DataFrame: the pixels as the shards hold them, split in two Vector columns. */
    private static Dataset<Row> halves(LabeledImages images) {
        int half = images.pixelsPerImage() / 2;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < images.count(); i++) {
            double[] top = new double[half];
            double[] bottom = new double[half];
            for (int p = 0; p < 2 * half; p++) {
                // The float the shard export computes, widened: the DataFrame holds exactly its values.
                double value = (images.pixels()[i * 2 * half + p] & 0xFF) / 255f;
                (p < half ? top : bottom)[p % half] = value;
            }
            rows.add(RowFactory.create(Vectors.dense(top), Vectors.dense(bottom), (double) images.label(i)));
        }
        StructType schema = new StructType().add("top", SQLDataTypes.VectorType()).add("bottom",
                SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
        return spark.createDataFrame(rows, schema);
    }

    private static Dataset<Row> mnist(Mnist.Split split, int from, int to) throws IOException {
        LabeledImages all = mnist.load(split);
        LabeledImages first = all.first(to);
        int pixels = all.pixelsPerImage();
        return halves(new LabeledImages(all.name(), all.rows(), all.cols(), all.numClasses(),
                Arrays.copyOfRange(first.pixels(), from * pixels, to * pixels),
                Arrays.copyOfRange(first.labels(), from, to)));
    }

    private static VectorAssembler assembler() {
        return new VectorAssembler().setInputCols(new String[] {"top", "bottom"}).setOutputCol("features");
    }

    private SparkTrainClassifier lenet() {
        return new SparkTrainClassifier().setConfig(LENET).setInputShape(1, 28, 28).setRunRoot(root.toString())
                .setNumWorkers(2);
    }

    private static double accuracy(Dataset<Row> predictions) {
        return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions);
    }

    private static List<double[]> probabilities(Dataset<Row> predictions) {
        return predictions.select("probability").collectAsList().stream()
                .map(row -> ((Vector) row.get(0)).toArray()).toList();
    }

    @Test
    void aPipelineFitsOnMnistPredictsAndSurvivesSaveAndLoad() throws IOException {
        Dataset<Row> train = mnist(Mnist.Split.TRAIN, 0, 4000);
        Dataset<Row> test = mnist(Mnist.Split.TEST, 0, 1000);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler(), lenet().setEpochs(2)});

        PipelineModel fitted = pipeline.fit(train);
        Dataset<Row> predictions = fitted.transform(test);
        double accuracy = accuracy(predictions);
        assertTrue(accuracy > 0.92, "accuracy on 1,000 unseen test images: " + accuracy);

        SparkTrainClassificationModel model = (SparkTrainClassificationModel) fitted.stages()[1];
        assertEquals(2, model.history().size());
        double validation = MetricsLine.numberOf(model.history().get(1), "test_accuracy");
        assertTrue(validation > 0.9, "accuracy on the 400 held-out rows: " + validation);
        assertTrue(Files.isDirectory(root.resolve("runs").resolve(model.runId())));
        try (Stream<Path> left = Files.list(root.resolve("dataframe-shards"))) {
            assertEquals(0, left.count(), "the fit's shards are removed once trained");
        }

        Path saved = root.resolve("pipeline-model");
        fitted.write().save(saved.toString());
        pipeline.write().save(root.resolve("pipeline").toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        SparkTrainClassificationModel loadedModel = (SparkTrainClassificationModel) loaded.stages()[1];
        assertEquals(model.uid(), loadedModel.uid());
        assertEquals(model.runId(), loadedModel.runId());
        assertEquals(model.history(), loadedModel.history());
        assertTrue(Arrays.equals(model.getInputShape(), loadedModel.getInputShape()));
        List<double[]> before = probabilities(predictions);
        List<double[]> after = probabilities(loaded.transform(test));
        for (int i = 0; i < before.size(); i++) {
            assertTrue(Arrays.equals(before.get(i), after.get(i)), "probabilities of test row " + i);
        }
        Pipeline reloaded = Pipeline.load(root.resolve("pipeline").toString());
        SparkTrainClassifier estimator = (SparkTrainClassifier) reloaded.getStages()[1];
        assertEquals(2, estimator.getOrDefault(estimator.epochs()));
        assertEquals(LENET, estimator.getOrDefault(estimator.config()));
    }

    @Test
    void aCrossValidatorRunsTwoFitsAtOnceEachInARunOfItsOwn() throws IOException {
        SparkTrainClassifier estimator = lenet().setEpochs(1).setNumWorkers(1);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler(), estimator});
        ParamMap[] grid = new ParamGridBuilder().addGrid(estimator.learningRate(), new double[] {0.0005, 0.003})
                .build();
        CrossValidator validator = new CrossValidator().setEstimator(pipeline).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2)
                .setParallelism(2).setSeed(3);

        CrossValidatorModel cv = validator.fit(mnist(Mnist.Split.TRAIN, 0, 2000));

        double[] metrics = cv.avgMetrics();
        assertEquals(2, metrics.length);
        assertTrue(metrics[1] > metrics[0], "0.003 learns faster in one epoch than 0.0005: "
                + Arrays.toString(metrics));
        assertTrue(metrics[1] > 0.8, Arrays.toString(metrics));
        try (Stream<Path> runs = Files.list(root.resolve("runs"))) {
            assertEquals(5, runs.count(), "two folds of two settings, and the refit on all rows");
        }
        SparkTrainClassificationModel best = (SparkTrainClassificationModel) ((PipelineModel) cv.bestModel())
                .stages()[1];
        assertEquals(0.003, best.parent().getOrDefault(estimator.learningRate()));
    }

    @Test
    void oneWorkerTrainsExactlyWhatSubmitTrainTrainsOnTheSameImages() throws IOException {
        List<String> keys = List.of("run.root=" + root.resolve("job"), "data.cache-dir=" + TestMnist.cacheDir(),
                "data.train-examples=1024", "data.test-examples=256", "training.epochs=2", "sync.workers=1");
        TrainedRun job = Trainer.fit(sc, ConfigLoader.parse(LENET, "test", keys, JobKind.TRAIN), Optional.empty());

        // The same images in the same order: training rows first, the held-out ones last.
        Dataset<Row> rows = mnist(Mnist.Split.TRAIN, 0, 1024).union(mnist(Mnist.Split.TEST, 0, 256));
        SparkTrainClassificationModel model = lenet().setNumWorkers(1).setEpochs(2).setValidationFraction(0.2)
                .fit(assembler().transform(rows));

        assertBitwiseEqual(job.network().params(), model.network().params(), "parameters after two epochs");
        assertEquals(accuracies(job.history()), accuracies(model.history()));
    }

    @Test
    void aRunIdResumesAndAnInitialModelWarmStarts() throws IOException {
        Dataset<Row> rows = assembler().transform(mnist(Mnist.Split.TRAIN, 0, 640));
        SparkTrainClassificationModel first = lenet().setEpochs(1).setRunId("nightly").fit(rows);
        SparkTrainClassificationModel resumed = lenet().setEpochs(2).setRunId("nightly").fit(rows);
        assertEquals("nightly", resumed.runId());
        assertEquals(2, resumed.history().size(), "epoch 2 continues the run's epoch 1");
        assertEquals(first.history().get(0), resumed.history().get(0));

        Path saved = root.resolve("first-model");
        first.write().save(saved.toString());
        // At a learning rate of 1e-9 training barely moves: what it ends with is where it started.
        SparkTrainClassificationModel warm = lenet().setEpochs(1).setLearningRate(1e-9)
                .setInitialModel(saved.toString()).fit(rows);
        SparkTrainClassificationModel cold = lenet().setEpochs(1).setLearningRate(1e-9).fit(rows);
        double fromInitial = warm.network().params().distance2(first.network().params());
        double fromScratch = cold.network().params().distance2(first.network().params());
        assertTrue(fromInitial < 1e-3 && fromScratch > 1, "distance to the initial model: warm " + fromInitial
                + ", cold " + fromScratch);
        SparkTrainClassificationModel fromRun = lenet().setEpochs(1).setLearningRate(1e-9)
                .setInitialModel("nightly").fit(rows);
        assertTrue(fromRun.network().params().distance2(resumed.network().params()) < 1e-3,
                "a run id warm-starts from its last checkpoint");
    }

    private static List<Double> accuracies(List<String> history) throws IOException {
        List<Double> accuracies = new ArrayList<>();
        for (String line : history) {
            accuracies.add(MetricsLine.numberOf(line, "test_accuracy"));
        }
        return accuracies;
    }

    @Test
    void badParamsAndColumnsAreRefusedNamingThem() throws IOException {
        SparkTrainClassifier estimator = lenet();
        assertMessage(() -> estimator.setLearningRate(-1), "learningRate");
        assertMessage(() -> estimator.setArchitecture("transformer"), "architecture");
        assertMessage(() -> estimator.setInputShape(28, 28), "inputShape");
        assertMessage(() -> estimator.setValidationFraction(1), "validationFraction");
        assertMessage(() -> estimator.setEpochs(0), "epochs");

        Dataset<Row> data = assembler().transform(mnist(Mnist.Split.TEST, 0, 64));
        assertMessage(() -> lenet().setFeaturesCol("top_and_bottom").fit(data), "features column \"top_and_bottom\"");
        assertMessage(() -> lenet().setLabelCol("digit").fit(data), "label column \"digit\"");
        assertMessage(() -> lenet().setConfig(LENET + "\ndata.train-examples = 100").fit(data),
                "data.train-examples");
        assertMessage(() -> lenet().setConfig("model.dropout = 2").fit(data), "model.dropout");
        assertMessage(() -> new SparkTrainClassifier().setRunRoot(root.toString()).fit(data), "inputShape");
        assertMessage(() -> lenet().setPredictionCol("label").fit(data), "output column \"label\"");
        assertMessage(() -> lenet().fit(data.withColumn("label", data.col("label").plus(0.5))),
                "label column \"label\" holds 64 null or fractional values");
        assertMessage(() -> lenet().fit(data.withColumn("label", data.col("label").cast("string"))),
                "label column \"label\" is of type string");
        assertMessage(() -> lenet().setInputShape(1, 28, 27).fit(data), "holds 784 values");
        assertMessage(() -> lenet().setInitialModel("no-such-run").fit(data), "initialModel = no-such-run");
        assertTrue(Files.notExists(root.resolve("runs")) || Files.list(root.resolve("runs")).findAny().isEmpty(),
                "nothing refused left a run behind");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable refused, String expected) {
        Throwable thrown = assertThrows(Exception.class, refused);
        String messages = "";
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            messages += t.getMessage() + "\n";
        }
        assertTrue(messages.contains(expected), "expected a message with '" + expected + "', got: " + messages);
    }
}
