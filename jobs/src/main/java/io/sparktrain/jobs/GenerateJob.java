package io.sparktrain.jobs;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.idx.IdxWriter;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.GanImages;
import io.sparktrain.trainer.gan.GanModels;
import io.sparktrain.trainer.gan.GanNetworks;
import io.sparktrain.trainer.gan.SampleJudge;
import io.sparktrain.trainer.loop.JobLocations;
import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.plots.ImageGrid;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes samples of a trained GAN's generator: one PNG per sample (with a preview grid of the
 * first hundred), or one IDX image file that MNIST readers read. Runs on the driver alone; the
 * output directory may be on any Hadoop file system.
 *
 * Exit codes: {@link ExitCode}.
 */
public final class GenerateJob {
    static final String SYNOPSIS = """
            usage: generate --run RUN --count N --out DIR [--format png|idx] [--epoch N] [--seed S] [--judge RUN]
                            [--run-root DIR]""";
    private static final Option RUN = Option.single("--run", "RUN",
            "a GAN run (submit/gan): its id under --run-root, or its directory");
    private static final Option COUNT = Option.single("--count", "N", "how many samples to write, 1 to 1000000");
    private static final Option OUT = Option.single("--out", "DIR",
            "new or empty directory (path or URI) for the samples");
    private static final Option FORMAT = Option.single("--format", "F",
            "png (default): sample-NNNNNN.png for each sample, 28x28 grey, and grid.png\n"
                    + "with the first 100; idx: samples-idx3-ubyte, MNIST's image format");
    private static final Option EPOCH = Option.single("--epoch", "N",
            "the epoch whose generator to use (default: the run's last checkpoint)");
    private static final Option SEED = Option.single("--seed", "S",
            "seed of the noise (default 1): the same seed gives the same samples");
    private static final Option JUDGE = Option.single("--judge", "RUN",
            "a classifier run (as gan.classifier) that scores the samples: classifier score\n"
                    + "and Fréchet distance to the test images, logged and kept in quality.json");
    private static final List<Option> OPTIONS = List.of(RUN, COUNT, OUT, FORMAT, EPOCH, SEED, JUDGE,
            JobArguments.RUN_ROOT);
    static final int MAX_COUNT = 1_000_000;
    private static final int PREVIEW_SIDE = 10;
    private static final int PREVIEW_SCALE = 2;
    private static final Logger log = LoggerFactory.getLogger(GenerateJob.class);

    private GenerateJob() {}

    /** What to generate, from the command line. */
    record Request(String run, int count, String out, String format, Optional<Integer> epoch, long seed,
            Optional<String> judge, String runRoot) {

        /** The request, or empty when the command line asks for help (printed). */
        static Optional<Request> parse(String... args) {
            CommandLine line = CommandLine.parse(SYNOPSIS, OPTIONS, args);
            if (line.has(CommandLine.HELP.name())) {
                System.out.print(line.usage());
                return Optional.empty();
            }
            if (!line.has(RUN.name()) || !line.has(COUNT.name()) || !line.has(OUT.name())) {
                throw line.problem("--run, --count and --out are required");
            }
            String format = line.value(FORMAT.name()).orElse("png");
            if (!format.equals("png") && !format.equals("idx")) {
                throw line.problem("--format " + format + ": expected png or idx");
            }
            int count = line.number(COUNT.name(), 1, MAX_COUNT).orElseThrow().intValue();
            Optional<String> judge = line.value(JUDGE.name());
            if (judge.isPresent() && count < 2) {
                throw line.problem("--judge needs --count of at least 2");
            }
            return Optional.of(new Request(line.value(RUN.name()).orElseThrow(), count,
                    line.value(OUT.name()).orElseThrow(), format,
                    line.number(EPOCH.name(), 1, Integer.MAX_VALUE).map(Long::intValue),
                    line.number(SEED.name(), Long.MIN_VALUE, Long.MAX_VALUE).orElse(1L), judge,
                    JobArguments.runRoot(line)));
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("generate samples", args, Request::parse, GenerateJob::run);
    }

    /** Writes the samples {@code request} asks for; returns the directory holding them. */
    static URI run(Request request) throws IOException {
        Storage storage = JobArguments.storage();
        URI out = Storage.toUri(request.out());
        if (storage.exists(out) && !storage.list(out).isEmpty()) {
            throw new InvalidConfigException("--out " + request.out() + " already holds files; samples go into a new "
                    + "or empty directory, so nothing there is overwritten");
        }
        RunDirectory run = JobArguments.runNamed(storage, request.runRoot(), request.run());
        TrainConfig config;
        try {
            config = ConfigLoader.parse(run.readConfig(), Storage.display(run.uri()) + "/config.conf", List.of(),
                    JobKind.GAN);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("--run " + request.run() + " is not a run of submit/gan: "
                    + e.getMessage());
        }
        int epoch = run.chosenCheckpoint(request.epoch());
        NativeLayerOps.enableInThisJvm();
        // A judge that cannot judge stops the job before it writes anything.
        Optional<Judging> judging = request.judge().isPresent()
                ? Optional.of(judging(storage, config, request)) : Optional.empty();
        int noiseSize = config.gan().noiseSize();
        ComputationGraph generator = GanNetworks.generatorOf(run.readCheckpoint(epoch),
                GanModels.generator(GanModels.spec(config.model()), noiseSize).toJson());
        INDArray images = GanImages.generate(generator, GanImages.noise(request.seed(), request.count(), noiseSize));
        float[][] samples = images.toFloatMatrix();
        if (request.format().equals("idx")) {
            storage.writeAtomically(Storage.resolve(out, "samples-idx3-ubyte"), stream -> {
                IdxWriter.writeImages(stream, toBytes(samples), samples.length, GanModels.SIDE, GanModels.SIDE);
                return null;
            });
        } else {
            for (int i = 0; i < samples.length; i++) {
                write(storage, Storage.resolve(out, String.format("sample-%06d.png", i)),
                        ImageGrid.png(samples[i], GanModels.SIDE));
            }
            // Whole rows of up to 10, at most 10 of them.
            int columns = Math.min(PREVIEW_SIDE, samples.length);
            int rows = Math.min(PREVIEW_SIDE, samples.length / columns);
            write(storage, Storage.resolve(out, "grid.png"),
                    ImageGrid.png(samples, rows, columns, GanModels.SIDE, PREVIEW_SCALE));
        }
        log.info("Wrote {} samples of run {} (epoch {}, noise seed {}) as {} to {}", samples.length, run.id(), epoch,
                request.seed(), request.format(), Storage.display(out));
        if (judging.isPresent()) {
            judging.get().judge(storage, request, images, out);
        }
        return out;
    }

    private static void write(Storage storage, URI file, byte[] content) throws IOException {
        storage.writeAtomically(file, stream -> {
            stream.write(content);
            return null;
        });
    }

    /** Pixels in [0, 1] to the unsigned bytes MNIST stores, as the PNGs have them. */
    private static byte[] toBytes(float[][] samples) {
        byte[] bytes = new byte[samples.length * GanModels.SIDE * GanModels.SIDE];
        int i = 0;
        for (float[] sample : samples) {
            for (float pixel : sample) {
                bytes[i++] = (byte) ImageGrid.grey(pixel);
            }
        }
        return bytes;
    }

    /** The --judge classifier and the test images it compares samples with. */
    private record Judging(SampleJudge judge, int testImages, String dataset) {
        /** Scores {@code images}, logs the figures and keeps them in quality.json. */
        void judge(Storage storage, Request request, INDArray images, URI out) throws IOException {
            SampleJudge.Quality quality = judge.judge(images);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("run", request.run());
            json.put("samples", images.size(0));
            json.put("noise_seed", request.seed());
            json.put("classifier", request.judge().orElseThrow());
            json.put("classifier_score", quality.classifierScore());
            json.put("frechet_distance", quality.frechetDistance());
            storage.writeStringAtomically(Storage.resolve(out, "quality.json"), MetricsLine.toJson(json) + "\n");
            log.info("{} samples: classifier score {}, Fréchet distance {} to {} {} test images", images.size(0),
                    String.format("%.3f", quality.classifierScore()), String.format("%.2f", quality.frechetDistance()),
                    testImages, dataset);
        }
    }

    /** The --judge classifier, checked on the GAN's test images. */
    private static Judging judging(Storage storage, TrainConfig config, Request request) throws IOException {
        JobLocations locations = JobLocations.of(config);
        LabeledImages test = Datasets.load(config.data().dataset(), locations.cacheDir(), locations.sourceDir())
                .test().first(config.data().testExamples());
        String classifier = request.judge().orElseThrow();
        SampleJudge judge = SampleJudges.load(storage, Storage.toUri(request.runRoot()), classifier,
                ShardExporter.toDataSet(test), SampleJudges.Requirement.of(config), "--judge " + classifier);
        return new Judging(judge, test.count(), config.data().dataset());
    }
}
