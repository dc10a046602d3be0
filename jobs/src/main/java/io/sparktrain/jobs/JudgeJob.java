package io.sparktrain.jobs;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.idx.IdxFormatException;
import io.sparktrain.datasets.idx.IdxReader;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.SampleJudge;
import io.sparktrain.trainer.loop.JobLocations;
import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scores image files made by any generator (another framework's, a reference's) as submit/gan
 * scores its own samples: a classifier run's classifier score and Fréchet distance to the test
 * images of the classifier's dataset. The files are MNIST's IDX image format with the test
 * images' size; the table goes to standard output. Runs on the driver alone and writes nothing.
 *
 * Exit codes: {@link ExitCode}.
 */
public final class JudgeJob {
    static final String SYNOPSIS = """
            usage: judge --classifier RUN [--min-accuracy A] [--run-root DIR] FILE...""";
    private static final Option CLASSIFIER = Option.single("--classifier", "RUN",
            "a classifier run (as gan.classifier): its id under --run-root, or its directory");
    private static final Option MIN_ACCURACY = Option.single("--min-accuracy", "A",
            "refuse a classifier right on fewer of its test images than this (default "
                    + ConfigSchema.CLASSIFIER_MIN_ACCURACY.defaultValue() + ")");

    private JudgeJob() {}

    /** The judge and the local IDX image files it scores. */
    record Request(String classifier, double minAccuracy, String runRoot, List<Path> files) {

        /** The request, or empty when the command line asks for help (printed). */
        static Optional<Request> parse(String... args) {
            CommandLine line = CommandLine.parseWithOperands(SYNOPSIS,
                    List.of(CLASSIFIER, MIN_ACCURACY, JobArguments.RUN_ROOT), args);
            if (line.has(CommandLine.HELP.name())) {
                System.out.print(line.usage());
                return Optional.empty();
            }
            if (!line.has(CLASSIFIER.name()) || line.operands().isEmpty()) {
                throw line.problem("--classifier and at least one image file are required");
            }
            double minAccuracy = line.decimal(MIN_ACCURACY.name(), 0, 1)
                    .orElse(ConfigSchema.CLASSIFIER_MIN_ACCURACY.defaultValue());
            return Optional.of(new Request(line.value(CLASSIFIER.name()).orElseThrow(), minAccuracy,
                    JobArguments.runRoot(line),
                    line.operands().stream().map(Path::of).toList()));
        }
    }

    /** One file's figures. */
    record Judged(Path file, int images, SampleJudge.Quality quality) {}

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("judge images", args, Request::parse,
                request -> System.out.print(table(run(request))));
    }

    /** Every file is read and checked before the classifier judges any, so a bad one fails fast. */
    static List<Judged> run(Request request) throws IOException {
        Storage storage = JobArguments.storage();
        RunDirectory run = JobArguments.runNamed(storage, request.runRoot(), request.classifier(),
                "--classifier " + request.classifier());
        TrainConfig config;
        try {
            config = ConfigLoader.parse(run.readConfig(), Storage.display(run.uri()) + "/config.conf", List.of(),
                    JobKind.TRAIN);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--classifier " + request.classifier()
                    + " is not a classifier run of submit/train: " + e.getMessage());
        }
        String dataset = config.data().dataset();
        if (!Datasets.MNIST_FORMAT.contains(dataset)) {
            throw new InvalidConfigException("--classifier " + request.classifier() + " was trained on " + dataset
                    + "; judge compares images with an MNIST-format test set (" + String.join(", ",
                            Datasets.MNIST_FORMAT) + ")");
        }
        JobLocations locations = JobLocations.of(config);
        LabeledImages test = Datasets.load(dataset, locations.cacheDir(), locations.sourceDir()).test()
                .first(config.data().testExamples());
        List<LabeledImages> files = new ArrayList<>();  // as bytes: a float copy of each would be 4 times the size
        for (Path file : request.files()) {
            files.add(read(file, test));
        }
        NativeLayerOps.enableInThisJvm();
        SampleJudge judge = SampleJudges.load(storage, Storage.toUri(request.runRoot()), request.classifier(),
                ShardExporter.toDataSet(test), new SampleJudges.Requirement(dataset, request.minAccuracy(),
                        MIN_ACCURACY.name()), "--classifier " + request.classifier());
        List<Judged> judged = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            INDArray images = ShardExporter.toDataSet(files.get(i)).getFeatures();
            judged.add(new Judged(request.files().get(i), files.get(i).count(), judge.judge(images)));
        }
        return judged;
    }

    /** {@code file}'s images, checked to be like the test images; their labels are never read. */
    private static LabeledImages read(Path file, LabeledImages test) throws IOException {
        IdxReader.IdxTensor images = IdxReader.readImages(file);
        int[] size = images.dimensions();
        if (size[1] != test.rows() || size[2] != test.cols()) {
            throw new IdxFormatException(file, "holds " + size[1] + "x" + size[2] + " images, the classifier judges "
                    + test.rows() + "x" + test.cols() + " (" + test.name() + ")");
        }
        if (images.count() < 2) {
            throw new IdxFormatException(file, "holds one image; a Fréchet distance needs at least two");
        }
        return new LabeledImages(file.toString(), test.rows(), test.cols(), test.numClasses(), images.data(),
                new byte[images.count()]);
    }

    static String table(List<Judged> judged) {
        StringBuilder table = new StringBuilder("classifier score\tFréchet distance\timages\tfile\n");
        for (Judged j : judged) {
            table.append(String.format(Locale.ROOT, "%.3f\t%.2f\t%d\t%s%n", j.quality().classifierScore(),
                    j.quality().frechetDistance(), j.images(), j.file()));
        }
        return table.toString();
    }
}
