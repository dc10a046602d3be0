package io.sparktrain.jobs;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.imagenet.ClassList;
import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.ml.SparkTrainClassificationModel;
import io.sparktrain.trainer.registry.ModelRegistry;
import io.sparktrain.trainer.registry.ModelVersion;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.scoring.PredictionInput;
import io.sparktrain.trainer.scoring.PredictionOutput;
import io.sparktrain.trainer.scoring.UnreadableRowsException;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Applies a trained run's network to data on Spark's executors and writes the predictions as
 * Parquet (id, label when known, prediction, probability), complete or not at all, with a summary
 * of rows, rows/s and, for labeled input, accuracy. Exit codes: {@link ExitCode}.
 */
public final class PredictJob {
    static final String SYNOPSIS = """
            usage: predict --run RUN --input PATH [--input PATH ...] --output DIR [--format idx|parquet|csv|images]
                           [--labels FILE ...] [--epoch N] [--features-col C] [--label-col C] [--id-col C]
                           [--batch-size N] [--max-unreadable-fraction F] [--run-root DIR] [--registry-root DIR]
                           [--set spark.KEY=VALUE]""";
    private static final Option RUN = Option.single("--run", "RUN",
            "a run of submit/train (its id under --run-root, or its directory), or a registered\n"
                    + "model as MODEL@ALIAS or MODEL@VERSION, e.g. mnist@champion (see --registry-root)");
    private static final Option INPUT = Option.repeatable("--input", "PATH",
            "what to score: MNIST-format IDX image files (several are read in order), a Parquet\n"
                    + "file or directory, a CSV file with a header, or a folder of images (path or URI)");
    private static final Option OUTPUT = Option.single("--output", "DIR",
            "a new directory (path or URI) for the Parquet predictions and _summary.json");
    private static final Option FORMAT = Option.single("--format", "F",
            "idx, parquet, csv or images (default: from the input's name: *idx3-ubyte, *.parquet or\n"
                    + "a directory, *.csv); images: every JPEG and PNG below the folder, decoded and\n"
                    + "centre-cropped as the run's evaluation did, labeled when in folders named after its\n"
                    + "classes");
    private static final Option LABELS = Option.repeatable("--labels", "FILE",
            "IDX only: the label file of each --input, in the same order; gives the accuracy");
    private static final Option EPOCH = Option.single("--epoch", "N",
            "the epoch whose checkpoint to use (default: the run's last)");
    private static final Option FEATURES_COL = Option.single("--features-col", "C",
            "Parquet: the features column, a Vector or an array of numbers (default: features)");
    private static final Option LABEL_COL = Option.single("--label-col", "C",
            "Parquet and CSV: the label column, used for the accuracy when present (default: label)");
    private static final Option ID_COL = Option.single("--id-col", "C",
            "Parquet: a column to keep as each row's id (default: a unique id in input order)");
    private static final Option BATCH_SIZE = Option.single("--batch-size", "N",
            "rows per inference minibatch on the executors, 1 to 65536 (default: 256)");
    private static final Option MAX_UNREADABLE = Option.single("--max-unreadable-fraction", "F",
            "rows or images that cannot be read are skipped and listed in the summary; above this fraction of\n"
                    + "the input the job fails and writes nothing (default: 0.001)");
    private static final Option REGISTRY_ROOT = Option.single("--registry-root", "DIR",
            "where MODEL@ALIAS is looked up, as submit/registry's (default: the working directory)");
    private static final Option SET = Option.repeatable("--set", "KEY=VALUE",
            "a spark.* setting over the run's own, e.g. spark.master=spark://host:7077");
    private static final List<Option> OPTIONS = List.of(RUN, INPUT, OUTPUT, FORMAT, LABELS, EPOCH, FEATURES_COL,
            LABEL_COL, ID_COL, BATCH_SIZE, MAX_UNREADABLE, JobArguments.RUN_ROOT, REGISTRY_ROOT, SET);
    private static final List<String> FORMATS = List.of("idx", "parquet", "csv", "images");

    private PredictJob() {}

    /** What to score and where the predictions go, from the command line. */
    record Request(String run, List<String> inputs, String output, String format, List<String> labels,
            Optional<Integer> epoch, String featuresCol, String labelCol, Optional<String> idCol, int batchSize,
            double maxUnreadableFraction, String runRoot, String registryRoot, List<String> sparkSettings) {

        /** The request, or empty when the command line asks for help (printed). */
        static Optional<Request> parse(String... args) {
            CommandLine line = CommandLine.parse(SYNOPSIS, OPTIONS, args);
            if (line.has(CommandLine.HELP.name())) {
                System.out.print(line.usage());
                return Optional.empty();
            }
            if (!line.has(RUN.name()) || !line.has(INPUT.name()) || !line.has(OUTPUT.name())) {
                throw line.problem("--run, --input and --output are required");
            }
            List<String> inputs = line.values(INPUT.name());
            String format = line.value(FORMAT.name()).orElseGet(() -> formatOf(inputs.get(0))
                    .orElseThrow(() -> line.problem("--input " + inputs.get(0) + ": cannot tell its format from "
                            + "its name; give --format idx, parquet or csv")));
            if (!FORMATS.contains(format)) {
                throw line.problem("--format " + format + ": expected idx, parquet, csv or images");
            }
            List<String> labels = line.values(LABELS.name());
            if (!format.equals("idx") && (!labels.isEmpty() || inputs.size() > 1)) {
                throw line.problem("--labels and several --input apply to IDX files only; " + format
                        + " input has its labels in a column");
            }
            if (!labels.isEmpty() && labels.size() != inputs.size()) {
                throw line.problem(labels.size() + " --labels for " + inputs.size() + " --input; give one for each");
            }
            double maxUnreadable = line.decimal(MAX_UNREADABLE.name(), 0, 1).orElse(0.001);
            List<String> settings = line.values(SET.name());
            for (String setting : settings) {
                if (!setting.startsWith("spark.")) {
                    throw line.problem("--set " + setting + ": only spark.* settings apply; the network and its "
                            + "data come from the run");
                }
            }
            return Optional.of(new Request(line.value(RUN.name()).orElseThrow(), inputs,
                    line.value(OUTPUT.name()).orElseThrow(), format, labels,
                    line.number(EPOCH.name(), 1, Integer.MAX_VALUE).map(Long::intValue),
                    line.value(FEATURES_COL.name()).orElse(PredictionInput.FEATURES),
                    line.value(LABEL_COL.name()).orElse(PredictionInput.LABEL), line.value(ID_COL.name()),
                    line.number(BATCH_SIZE.name(), 1, 65_536).orElse(256L).intValue(), maxUnreadable,
                    JobArguments.runRoot(line),
                    line.value(REGISTRY_ROOT.name()).orElse("."), settings));
        }

        private static Optional<String> formatOf(String input) {
            String name = input.replaceFirst("/+$", "");
            if (name.endsWith("idx3-ubyte")) {
                return Optional.of("idx");
            }
            if (name.endsWith(".csv")) {
                return Optional.of("csv");
            }
            return name.endsWith(".parquet") || !name.substring(name.lastIndexOf('/') + 1).contains(".")
                    ? Optional.of("parquet") : Optional.empty();
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("predict", args, Request::parse, PredictJob::run);
    }

    /** Scores the input as {@code request} says; returns the summary written beside the predictions. */
    static Map<String, Object> run(Request request) throws IOException {
        Storage storage = JobArguments.storage();
        URI output = Storage.toUri(request.output());
        if (storage.exists(output)) {
            throw new InvalidConfigException("--output " + request.output() + " already exists; predictions go to "
                    + "a new directory, so nothing there is overwritten");
        }
        Trained trained = Trained.of(storage, request);
        TrainConfig config;
        try {
            config = ConfigLoader.parse(trained.config(), trained.origin(), request.sparkSettings(), JobKind.TRAIN);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--run " + request.run() + " is not a classifier of submit/train: "
                    + e.getMessage());
        }
        if (Datasets.TABLES.contains(config.data().dataset())) {
            throw new InvalidConfigException("--run " + request.run() + " trained on the table "
                    + config.data().dataset() + "; predict scores runs on image datasets");
        }
        boolean imageRun = config.data().dataset().equals(Datasets.IMAGENET);
        if (request.format().equals("images") != imageRun) {
            throw new InvalidConfigException("--format " + request.format() + " does not fit " + trained.id()
                    + ", trained on " + config.data().dataset() + ": image folders score runs of image folders "
                    + "(data.dataset = imagenet), and those score image folders only");
        }
        try (JavaSparkContext sc = SparkContexts.create(config.spark())) {
            SparkSession spark = SparkSession.builder().getOrCreate();
            PredictionInput input = SparkJobs.named(sc, "scoring", "scoring input, " + String.join(", ",
                    request.inputs()), () -> read(spark, request, config, trained));
            SparkTrainClassificationModel model = SparkTrainClassificationModel.of(trained.id(),
                    trained.network().read(), trained.runId(), trained.history(), inputShape(config));
            model.setInferenceBatchSize(request.batchSize()).setRawPredictionCol("");
            List<Column> columns = new ArrayList<>(List.of(new Column(PredictionInput.ID)));
            if (input.labeled()) {
                columns.add(new Column(PredictionInput.LABEL));
            }
            columns.add(new Column("prediction"));
            columns.add(new Column("probability"));
            Dataset<Row> scored = model.transform(input.rows()).select(columns.toArray(Column[]::new));
            Map<String, Object> about = new LinkedHashMap<>();
            about.put("model", trained.id());
            about.put("run", trained.runId());
            about.put("epoch", trained.epoch());
            about.put("input", request.inputs());
            about.put("format", request.format());
            about.put("unreadable_rows", input.unreadable());
            about.put("unreadable_ids", input.unreadableIds());
            about.put("master", sc.master());
            // Judged on the rows written, before they are put in place: no pass over the input of its own.
            return SparkJobs.named(sc, "scoring", "scoring with " + trained.id() + " into " + request.output(),
                    () -> PredictionOutput.write(storage, scored, output, input.labeled(), about, rows -> {
                        if (input.unreadable() > request.maxUnreadableFraction() * (rows + input.unreadable())) {
                            throw new UnreadableRowsException(String.join(", ", request.inputs()),
                                    input.unreadable(), rows + input.unreadable(), request.maxUnreadableFraction(),
                                    input.unreadableIds());
                        }
                    }));
        }
    }

    /** Reads a network. */
    @FunctionalInterface
    private interface NetworkReader {
        ComputationGraph read() throws IOException;
    }

    /** What predict scores with: a run's checkpoint, or a version in the registry, with its config and classes. */
    private record Trained(String id, String runId, int epoch, String config, String origin, Optional<String> classes,
            NetworkReader network, List<String> history) {

        static Trained of(Storage storage, Request request) throws IOException {
            return request.run().contains("@") ? ofVersion(storage, request) : ofRun(storage, request);
        }

        private static Trained ofVersion(Storage storage, Request request) throws IOException {
            if (request.epoch().isPresent()) {
                throw new InvalidConfigException("--epoch applies to runs; " + request.run()
                        + " names one registered checkpoint");
            }
            ModelRegistry registry = new ModelRegistry(storage, Storage.toUri(request.registryRoot()));
            ModelVersion version = registry.resolve(request.run());
            String model = version.model();
            int number = version.version();
            return new Trained(version.reference(), version.runId(), version.epoch(), registry.config(model, number),
                    Storage.display(registry.versionDir(model, number)) + "/" + ModelRegistry.CONFIG,
                    registry.classes(model, number), () -> registry.network(model, number), List.of());
        }

        private static Trained ofRun(Storage storage, Request request) throws IOException {
            RunDirectory run = JobArguments.runNamed(storage, request.runRoot(), request.run());
            int epoch = run.chosenCheckpoint(request.epoch());
            return new Trained(run.id(), run.id(), epoch, run.readConfig(), Storage.display(run.uri())
                    + "/config.conf", run.readClasses(), () -> run.readCheckpoint(epoch), run.metricLines(epoch));
        }
    }

    private static PredictionInput read(SparkSession spark, Request request, TrainConfig config, Trained trained)
            throws IOException {
        return switch (request.format()) {
            case "images" -> PredictionInput.images(spark, new Storage(spark.sparkContext().hadoopConfiguration()),
                    Storage.toUri(request.inputs().get(0)), config.data().resize(), config.data().crop(),
                    trained.classes().isEmpty() ? Optional.empty()
                            : Optional.of(ClassList.parse(trained.classes().get(), trained.id() + " classes.txt")));
            case "idx" -> PredictionInput.idx(spark, request.inputs().stream().map(Path::of).toList(),
                    request.labels().stream().map(Path::of).toList());
            case "parquet" -> PredictionInput.parquet(spark, request.inputs().get(0), request.featuresCol(),
                    hasColumn(spark, request.inputs().get(0), request.labelCol()), request.idCol());
            default -> PredictionInput.csv(spark, request.inputs().get(0), request.labelCol());
        };
    }

    private static Optional<String> hasColumn(SparkSession spark, String parquet, String column) {
        return List.of(spark.read().parquet(parquet).columns()).contains(column) ? Optional.of(column)
                : Optional.empty();
    }

    /** One example's shape as the run's data had it: MNIST-format images are 28x28, image folders cropped. */
    static int[] inputShape(TrainConfig config) {
        return config.data().dataset().equals(Datasets.IMAGENET) ? new int[] {3, config.data().crop(),
                config.data().crop()} : new int[] {1, 28, 28};
    }
}
