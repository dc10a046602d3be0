package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.GanModels;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failure contract, as a table: bad input to every job ends with its documented exit code and
 * one message naming the key or file and what is allowed, with no stack trace on the console, and
 * creates no run directory (or, resuming, leaves the run's files exactly as they were).
 */
class BadInputTest {
    private static final String LENET = ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf").toString();
    private static final String GAN = ConfigLoaderPaths.repo().resolve("conf/mnist-gan.conf").toString();
    private static final String EXAMPLES = ConfigLoaderPaths.repo().resolve("conf/examples").toString();

    @TempDir
    Path work;

    /** A real one-epoch LeNet run, with its shards, that the resume and data cases start from. */
    private Path trained;
    private RunDirectory lenetRun;

    /** A run whose checkpoint is a GAN's discriminator: one sigmoid output, no classifier. */
    private RunDirectory notAClassifier;

    private record Case(String name, Function<String[], Integer> job, List<String> args, ExitCode expected,
            List<String> mentions) {}

    private void trainOneSmallRun() throws IOException {
        trained = work.resolve("trained");
        lenetRun = TrainJob.run(ConfigLoader.load(Path.of(LENET), small(trained)), Optional.empty());
        TrainConfig gan = ConfigLoader.load(Path.of(GAN), small(trained));
        notAClassifier = new RunStore(new Storage(new Configuration()), trained.toUri()).create("not-a-classifier");
        notAClassifier.writeConfig(ConfigLoader.render(gan));
        notAClassifier.writeCheckpoint(1, GanModels.newNetworks(GanModels.spec(gan.model()), 100).discriminator());
    }

    private static List<String> small(Path root) {
        return List.of("run.root=" + root, "data.cache-dir=" + TestMnist.cacheDir(), "data.train-examples=256",
                "data.test-examples=64", "training.epochs=1", "spark.master=local[2]",
                "spark.conf.spark.ui.enabled=false");
    }

    /** {@code --set} for each of the small settings under {@code root}, then {@code more}. */
    private static List<String> smallArgs(Path root, String... more) {
        List<String> args = new ArrayList<>();
        for (String setting : small(root)) {
            args.addAll(List.of("--set", setting));
        }
        args.addAll(List.of(more));
        return args;
    }

    private List<Case> cases() throws IOException {
        Path root = work.resolve("empty-root");
        Path hocon = Files.writeString(work.resolve("broken.conf"), "training { epochs = ");
        Function<String[], Integer> train = TrainJob::launch;
        Function<String[], Integer> gan = GanJob::launch;
        Function<String[], Integer> generate = GenerateJob::launch;
        Function<String[], Integer> predict = PredictJob::launch;
        Function<String[], Integer> registry = RegistryJob::launch;
        Function<String[], Integer> reproduce = ReproduceJob::launch;
        Function<String[], Integer> benchmark = BenchmarkJob::launch;
        String resumeRoot = "run.root=" + trained;
        List<Case> cases = new ArrayList<>(List.of(
                new Case("unknown key", train, withConfig(LENET, root, "--set", "training.epoch=3"),
                        ExitCode.BAD_CONFIG, List.of("unknown key 'training.epoch'", "did you mean 'training.epochs'")),
                new Case("wrong type", train, withConfig(LENET, root, "--set", "training.epochs=three"),
                        ExitCode.BAD_CONFIG, List.of("training.epochs = \"three\" (command line)",
                                "expected an integer in [1, ")),
                new Case("a value where a section is", train, withConfig(LENET, root, "--set", "model=5"),
                        ExitCode.BAD_CONFIG, List.of("model = \"5\"", "'model' is a section",
                                "such as model.architecture")),
                new Case("out of range", train, withConfig(LENET, root, "--set", "model.learning-rate=0"),
                        ExitCode.BAD_CONFIG, List.of("model.learning-rate = \"0\"",
                                "expected a number in (0.0, 10.0]")),
                new Case("two sharing replicas in local mode", train, withConfig(LENET, root, "--set",
                        "sync.strategy=gradient-sharing", "--set", "sync.workers=2"), ExitCode.BAD_CONFIG,
                        List.of("sync.workers = 2", "local mode", "set 0 or 1")),
                new Case("a wildcard sharing address", train, withConfig(LENET, root, "--set",
                        "sync.strategy=gradient-sharing", "--set", "sync.sharing.controller-address=0.0.0.0"),
                        ExitCode.BAD_CONFIG, List.of("sync.sharing.controller-address = 0.0.0.0", "wildcard")),
                new Case("a table in the train job", train, withConfig(LENET, root, "--set", "data.dataset=quadratic",
                        "--set", "sync.strategy=single-machine", "--set", "model.architecture=mlp", "--set",
                        "data.train-examples=10"), ExitCode.BAD_CONFIG, List.of("data.dataset = quadratic",
                                "submit/reproduce")),
                new Case("a GAN in the train job", train, withConfig(LENET, root, "--set", "model.architecture=gan"),
                        ExitCode.BAD_CONFIG, List.of("model.architecture = gan", "submit/gan")),
                new Case("no such config file", train, List.of("--config", work.resolve("absent.conf").toString()),
                        ExitCode.BAD_CONFIG, List.of("absent.conf: no such config file")),
                new Case("a config that is not HOCON", train, List.of("--config", hocon.toString()),
                        ExitCode.BAD_CONFIG, List.of("broken.conf", "not valid HOCON")),
                new Case("an unknown option", train, List.of("--config", LENET, "--epochs", "3"), ExitCode.BAD_CONFIG,
                        List.of("unknown argument '--epochs'", "usage: train")),
                new Case("a missing --resume id", train, List.of("--resume", "no-such-run", "--set", "run.root="
                        + root), ExitCode.BAD_CONFIG, List.of("--resume no-such-run", "no run 'no-such-run'")),
                new Case("a resume that changes the network", train, List.of("--resume", lenetRun.id(), "--set",
                        resumeRoot, "--set", "model.updater=sgd"), ExitCode.BAD_CONFIG,
                        List.of("model.updater cannot be overridden when resuming")),
                new Case("a --from-epoch without its checkpoint", train, List.of("--resume", lenetRun.id(), "--set",
                        resumeRoot, "--set", "training.epochs=3", "--from-epoch", "2"), ExitCode.BAD_CONFIG,
                        List.of("--from-epoch 2", "checkpoints of epochs [1]")),
                new Case("a classifier in the GAN job", gan, withConfig(LENET, root), ExitCode.BAD_CONFIG,
                        List.of("model.architecture = lenet is not a GAN")),
                new Case("a mesh setting for a GAN's gradient sharing", gan, withConfig(GAN, root, "--set",
                        "sync.strategy=gradient-sharing", "--set", "sync.sharing.mesh-mode=mesh"), ExitCode.BAD_CONFIG,
                        List.of("sync.sharing.mesh-mode = mesh: applies to classifiers")),
                new Case("a GAN judge that is not a classifier", gan, withConfig(GAN, trained, "--set",
                        "gan.classifier=" + notAClassifier.id()), ExitCode.BAD_CONFIG,
                        List.of("gan.classifier = " + notAClassifier.id())),
                new Case("generate without --out", generate, List.of("--run", "r", "--count", "5"),
                        ExitCode.BAD_CONFIG, List.of("--run, --count and --out are required")),
                new Case("generate zero samples", generate, List.of("--run", "r", "--count", "0", "--out",
                        work.resolve("samples").toString()), ExitCode.BAD_CONFIG,
                        List.of("--count 0: expected a whole number in [1, 1000000]")),
                new Case("generate from a classifier run", generate, List.of("--run", lenetRun.id(), "--run-root",
                        trained.toString(), "--count", "5", "--out", work.resolve("samples").toString()),
                        ExitCode.BAD_CONFIG, List.of("--run " + lenetRun.id() + " is not a run of submit/gan")),
                new Case("generate in an unknown format", generate, List.of("--run", "r", "--count", "5", "--out",
                        work.resolve("samples").toString(), "--format", "gif"), ExitCode.BAD_CONFIG,
                        List.of("--format gif: expected png or idx")),
                new Case("predict without --output", predict, List.of("--run", "r", "--input", "x.parquet"),
                        ExitCode.BAD_CONFIG, List.of("--run, --input and --output are required")),
                new Case("predict into an existing directory", predict, List.of("--run", lenetRun.id(),
                        "--run-root", trained.toString(), "--input", "x.parquet", "--output", trained.toString()),
                        ExitCode.BAD_CONFIG, List.of("--output " + trained, "already exists")),
                new Case("predict with a GAN run", predict, List.of("--run", notAClassifier.id(), "--run-root",
                        trained.toString(), "--input", "x.parquet", "--output", work.resolve("scores").toString()),
                        ExitCode.BAD_CONFIG, List.of("--run " + notAClassifier.id(), "submit/gan")),
                new Case("predict an input of unknown format", predict, List.of("--run", "r", "--input", "x.json",
                        "--output", work.resolve("scores").toString()), ExitCode.BAD_CONFIG,
                        List.of("--input x.json", "--format idx, parquet or csv")),
                new Case("predict with IDX labels for Parquet", predict, List.of("--run", "r", "--input",
                        "x.parquet", "--labels", "y", "--output", work.resolve("scores").toString()),
                        ExitCode.BAD_CONFIG, List.of("--labels and several --input apply to IDX files only")),
                new Case("predict a model without a champion", predict, List.of("--run", "mnist@champion",
                        "--registry-root", work.toString(), "--input", "x.parquet", "--output",
                        work.resolve("scores").toString()), ExitCode.BAD_CONFIG,
                        List.of("'mnist@champion': model mnist has no champion and no versions")),
                new Case("an unknown registry action", registry, List.of("delete", "mnist"), ExitCode.BAD_CONFIG,
                        List.of("unknown action 'delete'", "usage: registry")),
                new Case("a promotion without a reason", registry, List.of("promote", "mnist", "1"),
                        ExitCode.BAD_CONFIG, List.of("promote needs --reason")),
                new Case("show a model not in the registry", registry, List.of("show", "mnist", "--registry-root",
                        work.toString()), ExitCode.BAD_CONFIG, List.of("no model mnist in")),
                new Case("a model name with a slash", registry, List.of("show", "../mnist"), ExitCode.BAD_CONFIG,
                        List.of("model '../mnist'")),
                new Case("register a run without checkpoints", registry, List.of("register", "mnist", "--run",
                        "no-such-run", "--run-root", trained.toString(), "--registry-root", work.toString()),
                        ExitCode.BAD_CONFIG, List.of("--run no-such-run")),
                new Case("reproduce an unknown example", reproduce, List.of("--examples-dir", EXAMPLES, "--example",
                        "no-such-example", "--out", work.resolve("report").toString()), ExitCode.BAD_CONFIG,
                        List.of("--example no-such-example", "xor-2-3-1")),
                new Case("reproduce with a wrong value", reproduce, List.of("--examples-dir", EXAMPLES, "--example",
                        "xor-2-3-1", "--set", "model.loss=l2", "--out", work.resolve("report").toString()),
                        ExitCode.BAD_CONFIG, List.of("model.loss = \"l2\"", "expected one of cross-entropy")),
                new Case("reproduce on a missing file", reproduce, List.of("--examples-dir", EXAMPLES
                        + "/supplied-data", "--set", "data.file=" + work.resolve("absent.csv"), "--out",
                        work.resolve("report").toString()), ExitCode.BAD_DATA, List.of("absent.csv")),
                new Case("benchmark a resumed run", benchmark, List.of("--resume", lenetRun.id()),
                        ExitCode.BAD_CONFIG, List.of("unknown argument '--resume'", "usage: benchmark")),
                new Case("benchmark a GAN to an accuracy", benchmark, withConfig(GAN, root, "--target-accuracy",
                        "0.9"), ExitCode.BAD_CONFIG, List.of("--target-accuracy", "a GAN has no test accuracy")),
                new Case("benchmark the lecture GAN against PyTorch", benchmark, withConfig(GAN, root, "--peer",
                        "pytorch"), ExitCode.BAD_CONFIG, List.of("model.architecture = gan", "dcgan")),
                new Case("benchmark every address", benchmark, withConfig(LENET, root, "--set",
                        "sync.sharing.network-mask=0.0.0.0/0"), ExitCode.BAD_CONFIG,
                        List.of("sync.sharing.network-mask = 0.0.0.0/0", "private network")),
                new Case("benchmark against an unknown peer", benchmark, withConfig(LENET, root, "--peer",
                        "tensorflow"), ExitCode.BAD_CONFIG, List.of("--peer tensorflow", "pytorch")),
                new Case("benchmark to an accuracy above 1", benchmark, withConfig(LENET, root,
                        "--target-accuracy", "99"), ExitCode.BAD_CONFIG, List.of("--target-accuracy 99",
                                "fraction in (0, 1]")),
                new Case("benchmark a network the peer lacks", benchmark, withConfig(LENET, root, "--peer", "pytorch",
                        "--set", "model.architecture=mlp"), ExitCode.BAD_CONFIG,
                        List.of("--peer pytorch", "model.architecture = mlp"))));
        cases.addAll(dataCases());
        return cases;
    }

    private static List<String> withConfig(String config, Path root, String... more) {
        List<String> args = new ArrayList<>(List.of("--config", config));
        args.addAll(smallArgs(root, more));
        return args;
    }

    /** Damaged inputs, each in a copy so that the cases stay apart. */
    private List<Case> dataCases() throws IOException {
        Path altered = work.resolve("altered-fashion");
        Files.createDirectories(altered);
        for (String file : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")) {
            // Right names, truncated content: the header of an IDX file and nothing else.
            Files.write(altered.resolve(file), new byte[] {0, 0, 8, 3});
        }
        Path shardCopy = copyOfTrained("corrupt-shard");
        Path shard;
        try (Stream<Path> files = Files.walk(shardCopy.resolve("shards"))) {
            shard = files.filter(p -> p.getFileName().toString().startsWith("shard-")).sorted().findFirst()
                    .orElseThrow();
        }
        Files.write(shard, new byte[] {1, 2, 3});
        Path checkpointCopy = copyOfTrained("damaged-checkpoint");
        Path checkpoint = checkpointCopy.resolve("runs").resolve(lenetRun.id()).resolve("checkpoints/epoch-0001.zip");
        byte[] bytes = Files.readAllBytes(checkpoint);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(checkpoint, bytes);
        return List.of(
                new Case("an altered Fashion-MNIST file", TrainJob::launch, withConfig(LENET, work.resolve("root-f"),
                        "--set", "data.dataset=fashion-mnist", "--set", "data.source-dir=" + altered,
                        // An empty cache: a verified copy from an earlier run would be used instead of the source.
                        "--set", "data.cache-dir=" + work.resolve("cache-f")),
                        ExitCode.BAD_DATA, List.of("train-images-idx3-ubyte")),
                new Case("a shard whose checksum no longer matches", TrainJob::launch, withConfig(LENET, shardCopy),
                        ExitCode.BAD_DATA, List.of(shard.getFileName().toString())),
                new Case("a damaged checkpoint", TrainJob::launch, List.of("--resume", lenetRun.id(), "--set",
                        "run.root=" + checkpointCopy, "--set", "data.cache-dir=" + TestMnist.cacheDir(),
                        "--set", "training.epochs=2"), ExitCode.BAD_DATA,
                        List.of("epoch-0001.zip is damaged", "no earlier checkpoint")));
    }

    private Path copyOfTrained(String name) throws IOException {
        Path copy = work.resolve(name);
        try (Stream<Path> files = Files.walk(trained)) {
            for (Path source : files.toList()) {
                Path target = copy.resolve(trained.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return copy;
    }

    @Test
    void everyJobRefusesBadInputWithItsCodeAMessageAndNothingWritten() throws IOException {
        trainOneSmallRun();
        List<Case> cases = cases();
        assertTrue(cases.size() >= 20, cases.size() + " cases");
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            Snapshot before = Snapshot.of(work);
            StringWriter console = new StringWriter();
            int exit = withConsoleIn(console, () -> c.job().apply(c.args().toArray(String[]::new)));
            String output = console.toString();
            List<String> wrong = new ArrayList<>();
            if (exit != c.expected().code()) {
                wrong.add("exit " + exit + ", expected " + c.expected().code());
            }
            c.mentions().stream().filter(m -> !output.contains(m)).forEach(m -> wrong.add("no mention of '" + m + "'"));
            if (output.contains("\tat ") || output.contains("Caused by:")) {
                wrong.add("a stack trace on the console");
            }
            List<String> changed = before.changesIn(Snapshot.of(work));
            if (!changed.isEmpty()) {
                wrong.add("run files written: " + changed);
            }
            if (!wrong.isEmpty()) {
                failures.add(c.name() + ": " + String.join("; ", wrong) + "\n" + output.indent(4));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases failed:\n"
                + String.join("\n", failures));
    }

    /** What is under every {@code runs/} directory below a root, so that a case that wrote there shows. */
    private record Snapshot(List<String> files) {
        static Snapshot of(Path root) throws IOException {
            try (Stream<Path> all = Files.walk(root)) {
                return new Snapshot(all.map(root::relativize).map(Path::toString)
                        .filter(p -> p.startsWith("runs/") || p.contains("/runs/")).sorted().toList());
            }
        }

        List<String> changesIn(Snapshot after) {
            List<String> changes = new ArrayList<>(after.files);
            changes.removeAll(files);
            List<String> gone = new ArrayList<>(files);
            gone.removeAll(after.files);
            gone.forEach(g -> changes.add("removed " + g));
            return changes;
        }
    }

    /** Runs {@code job} with everything logged also written, as the console shows it, to {@code console}. */
    private static int withConsoleIn(StringWriter console, java.util.function.IntSupplier job) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender capture = WriterAppender.newBuilder().setName("console-capture").setTarget(console)
                .setLayout(PatternLayout.newBuilder().withPattern("%-5p %c{1}: %m%n%ex").build()).build();
        capture.start();
        context.getConfiguration().addAppender(capture);
        context.getConfiguration().getRootLogger().addAppender(capture, null, null);
        context.updateLoggers();
        try {
            return job.getAsInt();
        } finally {
            context.getConfiguration().getRootLogger().removeAppender(capture.getName());
            context.updateLoggers();
            capture.stop();
        }
    }
}
