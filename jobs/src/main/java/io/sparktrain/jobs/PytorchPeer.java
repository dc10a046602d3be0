package io.sparktrain.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.Param;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.JobLocations;
import io.sparktrain.trainer.model.ModelSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The project's PyTorch reference of its networks ({@code submit/lib/pytorch_peer.py}), run by the
 * benchmark after the project's own runs with the same network, data, batch per worker, optimizer
 * and schedule: in one process beside single-machine DL4J, and under DistributedDataParallel with
 * one process per Spark worker beside Spark. It runs Debian's {@code python3-torch}.
 */
final class PytorchPeer {
    static final String NAME = "pytorch";
    static final String PYTHON = "/usr/bin/python3";
    static final String SCRIPT = "submit/lib/pytorch_peer.py";
    /** Set by submit/'s launcher: the checkout the script is in. */
    static final String HOME_PROPERTY = "sparktrain.home";
    private static final String DCGAN = "dcgan";
    private static final List<String> ARCHITECTURES = List.of("lenet", "resnet18", "resnet34", "resnet50", DCGAN);
    private static final Logger log = LoggerFactory.getLogger(PytorchPeer.class);

    private final String python;
    private final Path script;
    private final String torchVersion;

    private PytorchPeer(String python, Path script, String torchVersion) {
        this.python = python;
        this.script = script;
        this.torchVersion = torchVersion;
    }

    /**
     * Refuses, before Spark starts, a config the reference cannot train as the project does, or a
     * machine without PyTorch; returns the peer otherwise.
     */
    static PytorchPeer check(TrainConfig config) {
        return check(config, PYTHON);
    }

    /** {@link #check(TrainConfig)} with another Python interpreter. */
    static PytorchPeer check(TrainConfig config, String python) {
        TrainConfig.Model model = config.model();
        require(ARCHITECTURES.contains(model.architecture()), "model.architecture = " + model.architecture()
                + ": the PyTorch reference has " + String.join(", ", ARCHITECTURES));
        require(Datasets.MNIST_FORMAT.contains(config.data().dataset()), "data.dataset = "
                + config.data().dataset() + ": the PyTorch reference reads " + String.join(" and ",
                        Datasets.MNIST_FORMAT));
        require(model.updater().equals("adam"), "model.updater = " + model.updater()
                + ": the PyTorch reference trains with adam");
        require(config.data().augmentRotation() == 0, "data.augment-rotation = " + config.data().augmentRotation()
                + ": the PyTorch reference shifts and flips but does not rotate; set it to 0");
        require(!model.architecture().equals(DCGAN) || config.gan().discriminatorSteps() == 1,
                "gan.discriminator-steps = " + config.gan().discriminatorSteps()
                        + ": the PyTorch reference fits the discriminator once per generator step");
        // Settings the reference leaves at their defaults: any other value would compare different training.
        Map<Param<?>, Object> atDefault = new LinkedHashMap<>();
        atDefault.put(ConfigSchema.BETA2, model.beta2());
        atDefault.put(ConfigSchema.L1, model.l1());
        atDefault.put(ConfigSchema.L2, model.l2());
        atDefault.put(ConfigSchema.DROPOUT, model.dropout());
        atDefault.put(ConfigSchema.MAX_NORM, model.maxNorm());
        atDefault.put(ConfigSchema.GRADIENT_CLIPPING, model.gradientClipping());
        atDefault.forEach((param, value) -> require(value.equals(param.defaultValue()), param.key() + " = " + value
                + ": the PyTorch reference trains with " + param.defaultValue()));
        Path script = locateScript();
        return new PytorchPeer(python, script, torchVersion(python));
    }

    /**
     * Trains the config once per entry of {@code processCounts}, in that many processes of one
     * OpenMP thread each (DDP for more than one), on data files resolved and verified once.
     */
    List<BenchmarkJob.Result> run(TrainConfig config, List<Integer> processCounts, Optional<Double> target)
            throws IOException {
        JobLocations locations = JobLocations.of(config);
        Mnist files = Datasets.mnistFormat(config.data().dataset(), locations.cacheDir(), locations.sourceDir());
        List<BenchmarkJob.Result> results = new ArrayList<>();
        for (int processes : processCounts) {
            results.add(run(config, files, processes, target));
        }
        return results;
    }

    private BenchmarkJob.Result run(TrainConfig config, Mnist files, int processes, Optional<Double> target)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(python, script.toString(), "--model",
                config.model().architecture(),
                "--train-images", files.file(Mnist.File.TRAIN_IMAGES).toString(),
                "--train-labels", files.file(Mnist.File.TRAIN_LABELS).toString(),
                "--test-images", files.file(Mnist.File.TEST_IMAGES).toString(),
                "--test-labels", files.file(Mnist.File.TEST_LABELS).toString()));
        TrainConfig.Model model = config.model();
        TrainConfig.Training training = config.training();
        add(command, "--width", model.width());
        if (model.architecture().equals(DCGAN)) {
            add(command, "--noise-size", config.gan().noiseSize());
        } else {
            ModelSpec spec = ModelSpec.of(model, 1, 28, 28, Mnist.NUM_CLASSES);
            add(command, "--stem", spec.stem().name().toLowerCase(Locale.ROOT));
        }
        add(command, "--train-examples", config.data().trainExamples());
        add(command, "--test-examples", config.data().testExamples());
        add(command, "--batch", training.batchSizePerWorker());
        add(command, "--epochs", training.epochs());
        add(command, "--lr", model.learningRate());
        add(command, "--lr-decay", model.learningRateDecay());
        add(command, "--beta1", model.beta1());
        add(command, "--seed", model.seed());
        add(command, "--augment-shift", config.data().augmentShift());
        if (config.data().augmentFlip()) {
            command.add("--augment-flip");
        }
        // The project caps the batches of an epoch over all workers (0: none); the reference caps them per process.
        int cap = training.maxBatchesPerEpoch();
        add(command, "--max-batches-per-epoch", cap == 0 ? 0 : Math.max(1, cap / processes));
        add(command, "--processes", processes);
        add(command, "--threads", ompThreads());
        // The project's samples/s counts every batch, its first ones included; so does the reference's.
        add(command, "--warmup-batches", 0);
        target.ifPresent(t -> add(command, "--target-accuracy", t));
        log.info("PyTorch {} reference, {} process(es): {}", torchVersion, processes, String.join(" ", command));
        JsonNode summary = summaryOf(command);
        String mode = processes == 1 ? "PyTorch " + torchVersion + " (1 process)"
                : "PyTorch " + torchVersion + " DDP (" + processes + " processes)";
        return new BenchmarkJob.Result(mode, processes, training.epochs(), summary.path("examples").asLong(),
                summary.path("train_seconds").asDouble(), numberOrNaN(summary.path("final_accuracy")), Double.NaN,
                numberOrNaN(summary.path("time_to_target_seconds")));
    }

    /** A figure of the summary, NaN where it is null (a GAN has no accuracy, a run may miss its target). */
    private static double numberOrNaN(JsonNode value) {
        return value.isNumber() ? value.asDouble() : Double.NaN;
    }

    private static JsonNode summaryOf(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ObjectMapper json = new ObjectMapper();
        JsonNode summary = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                JsonNode record = json.readTree(line);
                if (record.path("type").asText().equals("summary")) {
                    summary = record;
                }
            }
        }
        int status = waitFor(process);
        if (status != 0 || summary == null) {
            throw new IOException("the PyTorch reference (" + SCRIPT + ") exited with status " + status
                    + (summary == null ? " without a summary" : "") + "; its messages are above");
        }
        return summary;
    }

    private static int waitFor(Process process) throws IOException {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the PyTorch reference ran", e);
        }
    }

    private static void add(List<String> command, String option, Object value) {
        command.add(option);
        command.add(String.valueOf(value));
    }

    private static String ompThreads() {
        String threads = System.getenv("OMP_NUM_THREADS");
        return threads == null || threads.isBlank() ? "1" : threads;
    }

    private static void require(boolean holds, String problem) {
        if (!holds) {
            throw new InvalidConfigException("--peer " + NAME + ": " + problem);
        }
    }

    /** The script in the checkout submit/ runs from, or, for a JVM started elsewhere, above the working directory. */
    private static Path locateScript() {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty(HOME_PROPERTY)).ifPresent(home -> candidates.add(Path.of(home)));
        Path here = Path.of("").toAbsolutePath();
        candidates.add(here);
        Optional.ofNullable(here.getParent()).ifPresent(candidates::add);
        for (Path home : candidates) {
            Path script = home.resolve(SCRIPT);
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new InvalidConfigException("--peer " + NAME + ": " + SCRIPT + " is in none of " + candidates
                + "; run submit/benchmark from the project's checkout");
    }

    /** PyTorch's version, or a refusal that says how to install it. */
    private static String torchVersion(String python) {
        String install = "; install Debian's python3-torch (apt-get install python3-torch) and run again";
        if (!Files.isExecutable(Path.of(python))) {
            throw new InvalidConfigException("--peer " + NAME + ": " + python + " is missing" + install);
        }
        try {
            Process process = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.waitFor() != 0) {
                throw new InvalidConfigException("--peer " + NAME + ": " + python + " cannot import torch ("
                        + output.lines().reduce((first, last) -> last).orElse("no message") + ")" + install);
            }
            return output.lines().reduce((first, last) -> last).orElseThrow();
        } catch (IOException e) {
            throw new InvalidConfigException("--peer " + NAME + ": cannot run " + python + ": " + e.getMessage()
                    + install);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidConfigException("--peer " + NAME + ": interrupted while looking for PyTorch");
        }
    }
}
