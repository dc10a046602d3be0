package io.sparktrain.jobs;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.idx.IdxReader;
import io.sparktrain.datasets.idx.IdxWriter;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.GanRecorder;
import io.sparktrain.trainer.gan.SampleJudge;
import io.sparktrain.trainer.runs.RunDirectory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GAN job on 4,096 real MNIST images on 2 workers in local mode, with parameter averaging unless said. */
class GanJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    /** 4,096 training and 1,000 test images, minibatches of 64, 2 workers, in the temporary run root. */
    private List<String> settings(int epochs, String... overrides) {
        List<String> settings = new ArrayList<>(List.of("run.root=" + root, "data.cache-dir=" + TestMnist.cacheDir(),
                "data.train-examples=4096", "data.test-examples=1000", "training.batch-size-per-worker=64",
                "training.epochs=" + epochs, "spark.master=local[2]", "spark.conf.spark.ui.enabled=false"));
        settings.addAll(List.of(overrides));
        return settings;
    }

    private TrainConfig config(String file, int epochs, String... overrides) {
        return ConfigLoader.load(ConfigLoaderPaths.repo().resolve(file), settings(epochs, overrides));
    }

    /** The command line of a job launched with {@link #settings}. */
    private String[] commandLine(String file, String... overrides) {
        List<String> arguments = new ArrayList<>(List.of("--config", ConfigLoaderPaths.repo().resolve(file).toString()));
        for (String setting : settings(1, overrides)) {
            arguments.addAll(List.of("--set", setting));
        }
        return arguments.toArray(String[]::new);
    }

    private static List<JsonNode> metrics(RunDirectory run) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(run.metricsUri()))) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static byte[] samples(RunDirectory run, int epoch) throws IOException {
        return Files.readAllBytes(Path.of(run.uri()).resolve(RunDirectory.samplesFile(epoch)));
    }

    @Test
    void theLectureGanTrainsOnSparkAndResumesExactlyWhereItStopped() throws IOException {
        // 4,096 images in rounds of 2 workers x 5 minibatches of 64: 7 rounds, the last short.
        trainsTwoEpochsAndResumesExactly(7, 0.05);
    }

    @Test
    void theLectureGanTrainsUnderAllreduceAndResumesExactly() throws IOException {
        // Stages of 2 workers x 16 steps: 2 rounds.
        RunDirectory run = trainsTwoEpochsAndResumesExactly(2, 0.05, "sync.strategy=allreduce",
                "sync.allreduce.steps-per-stage=16");
        // Per real minibatch, two sums of the discriminator's gradient and one of the adversarial
        // network's, each with the examples and loss: on 2 workers each sends half of every sum twice.
        long discriminator = run.readCheckpoint(2, GanRecorder.DISCRIMINATOR).params().length();
        long adversarial = run.readCheckpoint(2).params().length();
        for (JsonNode epoch : metrics(run)) {
            assertEquals(Float.BYTES * (2 * (discriminator + 2) + adversarial + 2), epoch.get("bytes_per_step")
                    .asDouble(), epoch.toString());
        }
    }

    /**
     * Each worker applies its own and the other's encoded update, each capped at the threshold per
     * weight, and the discriminator leads further in the first epochs than under allreduce (losses
     * 0.038 and 0.022 against 0.134 and 0.042; 0.080 by the sixth epoch); it must not win outright.
     */
    @Test
    void theLectureGanTrainsUnderGradientSharingAndResumesExactly() throws IOException {
        RunDirectory run = trainsTwoEpochsAndResumesExactly(2, 0.01, "sync.strategy=gradient-sharing",
                "sync.allreduce.steps-per-stage=16");
        long discriminator = run.readCheckpoint(2, GanRecorder.DISCRIMINATOR).params().length();
        for (JsonNode epoch : metrics(run)) {
            double bytes = epoch.get("bytes_per_step").asDouble();
            assertTrue(bytes > 0 && bytes < Float.BYTES * discriminator, "the encoded updates of a minibatch take "
                    + "less than the discriminator's floats, under a quarter of what allreduce sends: " + epoch);
        }
    }

    /**
     * Trains the lecture GAN two epochs, then again one and one more resumed, and compares them;
     * returns the uninterrupted run.
     *
     * @param discriminatorLoss the discriminator's loss exceeds this in some epoch: it did not win outright
     */
    private RunDirectory trainsTwoEpochsAndResumesExactly(int rounds, double discriminatorLoss, String... overrides)
            throws IOException {
        RunDirectory run;
        try (EpochsReportedDone done = EpochsReportedDone.watch(root)) {
            run = GanJob.run(config("conf/mnist-gan.conf", 2, overrides), Optional.empty());
            assertEquals(List.of("epoch 1 checkpointed", "epoch 2 checkpointed"), done.reported());
        }
        List<JsonNode> twoEpochs = metrics(run);
        assertEquals(2, twoEpochs.size());
        for (JsonNode epoch : twoEpochs) {
            assertEquals(4096, epoch.get("real_examples").asInt());
            for (String loss : List.of("discriminator_loss", "generator_loss")) {
                assertTrue(Double.isFinite(epoch.get(loss).asDouble()) && epoch.get(loss).asDouble() > 0,
                        loss + " " + epoch);
            }
            assertEquals(rounds, epoch.get("discriminator_round_losses").size());
        }
        assertTrue(twoEpochs.stream().anyMatch(e -> e.get("discriminator_loss").asDouble() > discriminatorLoss),
                "the discriminator must not win outright from the start: " + twoEpochs);
        assertNotEquals(Arrays.hashCode(samples(run, 1)), Arrays.hashCode(samples(run, 2)),
                "the samples change between epochs");
        assertEquals(10 * (28 * 2 + 2) + 2, ImageIO.read(Path.of(run.uri()).resolve(
                RunDirectory.samplesFile(2)).toFile()).getWidth(), "10 samples of 28 px drawn twice, with borders");
        assertTrue(Files.size(Path.of(run.uri()).resolve("losses.png")) > 1000);

        RunDirectory oneThenTwo = GanJob.run(config("conf/mnist-gan.conf", 1, overrides), Optional.empty());
        JobArguments resume = JobArguments.parse("gan", JobKind.GAN, "--resume", oneThenTwo.id(), "--set",
                "run.root=" + root, "--set", "training.epochs=2");
        GanJob.run(resume.resolveConfig(), resume.resume());
        assertBitwiseEqual(run.readCheckpoint(2).params(), oneThenTwo.readCheckpoint(2).params(),
                "generator after a resume against the uninterrupted run's");
        assertBitwiseEqual(run.readCheckpoint(2, GanRecorder.DISCRIMINATOR).params(),
                oneThenTwo.readCheckpoint(2, GanRecorder.DISCRIMINATOR).params(), "and the discriminator");
        assertEquals(twoEpochs.get(1).get("generator_loss"), metrics(oneThenTwo).get(1).get("generator_loss"));
        return run;
    }

    @Test
    void theDcganTrainsAnEpoch() throws IOException {
        RunDirectory run = GanJob.run(config("conf/mnist-dcgan.conf", 1), Optional.empty());
        JsonNode epoch = metrics(run).get(0);
        assertTrue(Double.isFinite(epoch.get("generator_loss").asDouble()), epoch.toString());
        assertTrue(Files.exists(Path.of(run.checkpointUri(1, GanRecorder.DISCRIMINATOR))));
    }

    @Test
    void aClassifierRunJudgesTheSamplesEveryEpochAndTheGenerateJobWritesMore() throws IOException {
        RunDirectory classifier = TrainJob.run(config("conf/mnist-lenet.conf", 1), Optional.empty());
        RunDirectory run = GanJob.run(config("conf/mnist-gan.conf", 1, "gan.classifier=" + classifier.id(),
                "gan.classifier-min-accuracy=0.8", "gan.quality-samples=500"), Optional.empty());
        JsonNode epoch = metrics(run).get(0);
        double score = epoch.get("classifier_score").asDouble();
        assertTrue(score >= 1 && score <= 10, epoch.toString());
        assertTrue(epoch.get("frechet_distance").asDouble() > 0, epoch.toString());
        JsonNode summary = JSON.readTree(Path.of(run.summaryUri()).toFile());
        assertEquals(epoch.get("classifier_score"), summary.get("classifier_score"));
        assertEquals(1, summary.get("best_classifier_score_epoch").asInt());
        String report = Files.readString(Path.of(run.reportUri()));
        for (String shown : List.of("<h2 id=\"samples\">", "alt=\"Samples of epoch 1 (latest)\"",
                "alt=\"MNIST score per epoch\"", "alt=\"GAN losses per round\"", "GAN run, finished after 1 epoch")) {
            assertTrue(report.contains(shown), "report.html shows " + shown);
        }

        Path pngs = root.resolve("pngs");
        assertEquals(ExitCode.OK.code(), GenerateJob.launch("--run", run.id(), "--run-root", root.toString(),
                "--count", "12", "--out", pngs.toString()));
        try (var files = Files.list(pngs)) {
            assertEquals(13, files.count(), "12 samples and the grid");
        }
        BufferedImage first = ImageIO.read(pngs.resolve("sample-000000.png").toFile());
        assertEquals(28, first.getWidth());
        assertEquals(10 * (28 * 2 + 2) + 2, ImageIO.read(pngs.resolve("grid.png").toFile()).getWidth(),
                "one row of 10 in the grid");

        Path idx = root.resolve("idx");
        assertEquals(ExitCode.OK.code(), GenerateJob.launch("--run", Path.of(run.uri()).toString(),
                "--count", "12", "--format", "idx", "--out", idx.toString(), "--judge", classifier.id(),
                "--run-root", root.toString()));
        IdxReader.IdxTensor images = IdxReader.readImages(idx.resolve("samples-idx3-ubyte"));
        assertArrayEquals(new int[] {12, 28, 28}, images.dimensions());
        for (int p = 0; p < 28 * 28; p++) {
            assertEquals(first.getRaster().getSample(p % 28, p / 28, 0), images.data()[p] & 0xFF,
                    "the same seed gives the same first sample in either format, pixel " + p);
        }
        JsonNode quality = JSON.readTree(idx.resolve("quality.json").toFile());
        assertTrue(quality.get("classifier_score").asDouble() >= 1, quality.toString());
        judgesTheWrittenImagesAsTheGenerateJobJudgedItsOwn(classifier, idx.resolve("samples-idx3-ubyte"), quality,
                run);

        assertEquals(ExitCode.BAD_CONFIG.code(), GenerateJob.launch("--run", run.id(), "--run-root", root.toString(),
                "--count", "3", "--out", pngs.toString()), "samples already there are not overwritten");
        assertEquals(ExitCode.BAD_CONFIG.code(), GenerateJob.launch("--run", classifier.id(), "--run-root",
                root.toString(), "--count", "3", "--out", root.resolve("x").toString()),
                "a classifier generates nothing");
        assertEquals(ExitCode.BAD_CONFIG.code(), GenerateJob.launch("--run", "no-such-run", "--run-root",
                root.toString(), "--count", "3", "--out", root.resolve("x").toString()));
        Path judged = root.resolve("judged");
        assertEquals(ExitCode.BAD_CONFIG.code(), GenerateJob.launch("--run", run.id(), "--run-root", root.toString(),
                "--count", "3", "--out", judged.toString(), "--judge", "no-such-run"));
        assertFalse(Files.exists(judged), "a judge that cannot judge stops the job before it writes anything");
    }

    /**
     * submit/judge scores an IDX file of samples as the generate job scored the same samples before they were
     * rounded to bytes, and refuses a weak classifier, a GAN as classifier and images of another size.
     */
    private void judgesTheWrittenImagesAsTheGenerateJobJudgedItsOwn(RunDirectory classifier, Path samples,
            JsonNode quality, RunDirectory gan) throws IOException {
        String[] judge = {"--classifier", classifier.id(), "--run-root", root.toString()};
        List<JudgeJob.Judged> judged = JudgeJob.run(JudgeJob.Request.parse(concat(judge, "--min-accuracy", "0.8",
                samples.toString(), samples.toString())).orElseThrow());
        assertEquals(2, judged.size());
        SampleJudge.Quality rounded = judged.get(0).quality();
        assertEquals(quality.get("classifier_score").asDouble(), rounded.classifierScore(), 0.01, judged.toString());
        assertEquals(quality.get("frechet_distance").asDouble(), rounded.frechetDistance(),
                0.01 * rounded.frechetDistance(), judged.toString());
        assertEquals(judged.get(0).quality(), judged.get(1).quality(), "the same file scores the same");
        assertEquals(12, judged.get(0).images());
        assertTrue(JudgeJob.table(judged).startsWith("classifier score\tFréchet distance\timages\tfile\n"
                + String.format(Locale.ROOT, "%.3f\t", rounded.classifierScore())), JudgeJob.table(judged));

        assertEquals(ExitCode.BAD_CONFIG.code(), JudgeJob.launch(concat(judge, samples.toString())),
                "the default bound of 0.99 refuses a LeNet of one epoch on 4,096 images");
        assertEquals(ExitCode.BAD_CONFIG.code(), JudgeJob.launch("--classifier", gan.id(), "--run-root",
                root.toString(), samples.toString()), "a GAN run judges nothing");
        Path imagenet = Files.createDirectories(root.resolve("runs/imagenet-resnet"));
        Files.writeString(imagenet.resolve("config.conf"), "data.dataset = imagenet\ndata.source-dir = \""
                + root + "\"\nmodel.architecture = resnet18\n");
        assertEquals(ExitCode.BAD_CONFIG.code(), JudgeJob.launch("--classifier", "imagenet-resnet", "--run-root",
                root.toString(), samples.toString()), "no MNIST-format test set to compare with");
        Path small = root.resolve("small-idx3-ubyte");
        try (var out = Files.newOutputStream(small)) {
            IdxWriter.writeImages(out, new byte[2 * 10 * 10], 2, 10, 10);
        }
        assertEquals(ExitCode.BAD_DATA.code(), JudgeJob.launch(concat(judge, "--min-accuracy", "0.8",
                samples.toString(), small.toString())), "10x10 images for a 28x28 judge");
        assertEquals(ExitCode.BAD_DATA.code(), JudgeJob.launch(concat(judge, root.resolve("absent").toString())));
    }

    private static String[] concat(String[] first, String... rest) {
        return Stream.concat(Arrays.stream(first), Arrays.stream(rest)).toArray(String[]::new);
    }

    /**
     * The benchmark trains the DCGAN under each strategy on the same 8 minibatches and, where Debian's
     * python3-torch is installed, the PyTorch reference of it in one process and under DDP; the table
     * pairs every Spark row with DDP.
     */
    @Test
    void theBenchmarkTrainsTheDcganUnderEachStrategyBesideItsPeer() throws IOException {
        String[] command = commandLine("conf/mnist-dcgan.conf", "model.width=8", "training.max-batches-per-epoch=8");
        JobArguments arguments = JobArguments.parse("benchmark", JobKind.TRAIN, command);
        assertTrue(arguments.configuresGan());
        Map<String, TrainConfig> configs = BenchmarkJob.configsByStrategy(arguments.withJob(JobKind.GAN));
        List<BenchmarkJob.Result> results = BenchmarkJob.runGan(configs);
        assertEquals(List.of("Spark parameter-averaging (local[2])", "Spark allreduce (local[2])",
                "Spark gradient-sharing (local[2])"), results.stream().map(BenchmarkJob.Result::mode).toList());
        for (BenchmarkJob.Result result : results) {
            assertEquals(8 * 64, result.examples(), result.toString());
            assertEquals(2, result.workers(), result.toString());
            assertTrue(result.seconds() > 0 && result.bytesPerStep() > 0 && Double.isNaN(result.accuracy()),
                    result.toString());
        }
        assertEquals(ExitCode.BAD_CONFIG.code(), BenchmarkJob.launch(concat(command, "--target-accuracy", "0.9")),
                "a GAN has no accuracy to reach");
        if (!PytorchPeerTest.torchInstalled()) {
            return;
        }
        TrainConfig config = configs.values().iterator().next();
        List<BenchmarkJob.Result> peer = PytorchPeer.check(config).run(config, List.of(1, 2), Optional.empty());
        assertEquals(8 * 64, peer.get(0).examples(), "the same 8 minibatches in one process");
        assertEquals(8 * 64, peer.get(1).examples(), "4 in each of 2 processes");
        String table = BenchmarkJob.table(results, peer, Optional.empty()).replaceAll(" +", " ");
        assertTrue(table.contains(" Spark allreduce (local[2]) / " + peer.get(1).mode() + " "), table);
        assertTrue(table.contains("Spark gradient-sharing (local[2]) 2 1 512 "), table);
    }

    @Test
    void aClassifierThatIsNotGoodEnoughOrMissingStopsTheJobBeforeItsRunExists() throws IOException {
        RunDirectory classifier = TrainJob.run(config("conf/mnist-lenet.conf", 1, "data.train-examples=256"),
                Optional.empty());
        assertEquals(ExitCode.BAD_CONFIG.code(), GanJob.launch(commandLine("conf/mnist-gan.conf",
                "gan.classifier=" + classifier.id(), "gan.classifier-min-accuracy=0.999")));
        assertEquals(ExitCode.BAD_CONFIG.code(), GanJob.launch(commandLine("conf/mnist-gan.conf",
                "gan.classifier=no-such-run")));
        try (var runs = Files.list(root.resolve("runs"))) {
            assertEquals(List.of(classifier.id()), runs.map(p -> p.getFileName().toString()).toList(),
                    "no GAN run directory was left behind");
        }
    }

    @Test
    void ganSettingsAreCheckedBeforeSparkStarts() {
        String lenet = ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf").toString();
        String gan = ConfigLoaderPaths.repo().resolve("conf/mnist-gan.conf").toString();
        assertEquals(ExitCode.BAD_CONFIG.code(), GanJob.launch("--config", lenet), "a classifier is not a GAN");
        assertEquals(ExitCode.BAD_CONFIG.code(), TrainJob.launch("--config", gan), "nor a GAN a classifier");
        String message = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Path.of(gan),
                List.of("sync.strategy=gradient-sharing", "sync.sharing.ports=40000-40010", "model.l2=0.001",
                        "data.augment-shift=2"))).getMessage();
        for (String expected : List.of("sync.sharing.ports = 40000-40010: applies to classifiers' gradient sharing "
                + "(DL4J's Aeron mesh) only, not gan, which shares its updates over a TCP ring",
                "model.l2 = 0.001: applies to classifiers only, not gan, whose discriminator is copied frozen",
                "data.augment-shift = 2: applies to classifiers only")) {
            assertTrue(message.contains(expected), expected + " in\n" + message);
        }
        assertTrue(assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Path.of(lenet),
                List.of("gan.discriminator-steps=2"))).getMessage()
                .contains("gan.discriminator-steps = 2: applies to gan and dcgan only, not lenet"));
    }
}
