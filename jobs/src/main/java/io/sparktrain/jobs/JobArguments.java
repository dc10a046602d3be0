package io.sparktrain.jobs;

import com.typesafe.config.Config;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.Param;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.runs.Resume;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * The command line of the training jobs (train, gan, benchmark):
 * {@code --config FILE [--set key=value]...} for a new run, or
 * {@code --resume RUN_ID [--from-epoch N] [--set key=value]...} to continue one with its saved config.
 *
 * @param job what the config is checked for
 * @param resume the run {@code --resume} continues, and the epoch {@code --from-epoch} names
 */
public record JobArguments(JobKind job, Optional<Path> configFile, Optional<Resume> resume, List<String> overrides,
        boolean describeConfig, boolean help, String usage, Optional<String> peer, Optional<Double> targetAccuracy) {

    static final Option CONFIG = Option.single("--config", "FILE", "job config (HOCON), e.g. conf/mnist-lenet.conf");
    static final Option RESUME = Option.single("--resume", "RUN_ID",
            "continue runs/RUN_ID under run.root from its last checkpoint, with the config saved\n"
                    + "in the run; overrides may extend training.epochs");
    static final Option FROM_EPOCH = Option.single("--from-epoch", "N",
            "with --resume: continue from epoch N's checkpoint instead of the last; later\n"
                    + "checkpoints and metrics are moved aside into the run's superseded/ directory");
    /** For the jobs that read runs by id, which run.root they are under. */
    static final Option RUN_ROOT = Option.single("--run-root", "DIR",
            "where run ids are looked up, as run.root (default: the working directory)");
    static final Option SET = Option.repeatable("--set", "key=value", "override a config key (repeatable)");
    static final Option DESCRIBE = Option.flag("--describe-config",
            "print every config key with its default and meaning");
    static final Option PEER = Option.single("--peer", "NAME",
            "benchmark: also train the config with the project's PyTorch reference (pytorch) and print the ratios");
    static final Option TARGET = Option.single("--target-accuracy", "A",
            "benchmark: also report the time each run takes to reach this test accuracy, e.g. 0.99");

    /** Parses the command line of {@code command} ("train", "gan" or "benchmark"), which trains a {@code job}. */
    public static JobArguments parse(String command, JobKind job, String... args) {
        boolean resumable = !command.equals("benchmark");
        List<Option> options = resumable ? List.of(CONFIG, RESUME, FROM_EPOCH, SET, DESCRIBE)
                : List.of(CONFIG, SET, PEER, TARGET, DESCRIBE);
        String synopsis = "usage: " + command + " --config FILE [--set key=value]..."
                + (resumable ? "" : " [--peer pytorch] [--target-accuracy A]") + "\n"
                + (resumable ? "       " + command + " --resume RUN_ID [--from-epoch N] [--set run.root=DIR] "
                        + "[--set key=value]...\n" : "")
                + "       " + command + " --describe-config";
        CommandLine line = CommandLine.parse(synopsis, options, args);
        boolean describe = line.has(DESCRIBE.name());
        boolean help = line.has(CommandLine.HELP.name());
        boolean config = line.has(CONFIG.name());
        boolean resume = line.has(RESUME.name());
        if (!describe && !help && config == resume) {
            throw line.problem(resumable ? "give exactly one of --config and --resume" : "--config is required");
        }
        Optional<Integer> fromEpoch = line.number(FROM_EPOCH.name(), 1, Integer.MAX_VALUE).map(Long::intValue);
        if (fromEpoch.isPresent() && !resume) {
            throw line.problem("--from-epoch applies only with --resume");
        }
        Optional<String> peer = line.value(PEER.name());
        if (peer.isPresent() && !peer.get().equals(PytorchPeer.NAME)) {
            throw line.problem("--peer " + peer.get() + ": the one peer is " + PytorchPeer.NAME);
        }
        Optional<Double> target = line.value(TARGET.name()).map(value -> targetAccuracy(line, value));
        return new JobArguments(job, line.value(CONFIG.name()).map(Path::of),
                line.value(RESUME.name()).map(id -> new Resume(id, fromEpoch)), line.values(SET.name()), describe,
                help, line.usage(), peer, target);
    }

    private static double targetAccuracy(CommandLine line, String value) {
        try {
            double target = Double.parseDouble(value);
            if (target > 0 && target <= 1) {
                return target;
            }
        } catch (NumberFormatException e) {
            // refused below, naming the value
        }
        throw line.problem("--target-accuracy " + value + ": expected a fraction in (0, 1], e.g. 0.99");
    }

    /** What {@link #RUN_ROOT} says on {@code line}, or run.root's default. */
    static String runRoot(CommandLine line) {
        return line.value(RUN_ROOT.name()).orElse(ConfigSchema.RUN_ROOT.defaultValue());
    }

    /** The same command line, its config checked for {@code other} instead. */
    JobArguments withJob(JobKind other) {
        return new JobArguments(other, configFile, resume, overrides, describeConfig, help, usage, peer,
                targetAccuracy);
    }

    /** Whether the config file with its overrides trains a GAN; every check but the job's applies. */
    boolean configuresGan() {
        TrainConfig config = ConfigLoader.load(configFile.orElseThrow(), overrides);
        return ConfigSchema.GAN_ARCHITECTURES.contains(config.model().architecture());
    }

    /** The config file with overrides, or, resuming, the run's saved config with overrides; checked for the job. */
    public TrainConfig resolveConfig() throws IOException {
        return resolveConfig(List.of());
    }

    /** {@link #resolveConfig()} with {@code extraOverrides} applied after the command line's. */
    TrainConfig resolveConfig(List<String> extraOverrides) throws IOException {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(extraOverrides);
        if (configFile.isPresent()) {
            return ConfigLoader.load(configFile.get(), all, job);
        }
        Config given = ConfigLoader.overrides(all);
        for (Param<?> fixed : ConfigSchema.ARCHITECTURE_DEFINING) {
            if (given.hasPath(fixed.key())) {
                throw new InvalidConfigException(fixed.key() + " cannot be overridden when resuming: the network and "
                        + "its optimizer come from the run's checkpoint; start a new run to change it");
            }
        }
        RunDirectory run = runToResume(given);
        return ConfigLoader.parse(run.readConfig(), Storage.display(run.uri()) + "/config.conf", all, job);
    }

    /** The run {@code --resume} names, under the run.root {@code given} sets (the working directory by default). */
    private RunDirectory runToResume(Config given) throws IOException {
        String root = given.hasPath(ConfigSchema.RUN_ROOT.key()) ? given.getString(ConfigSchema.RUN_ROOT.key())
                : ConfigSchema.RUN_ROOT.defaultValue();
        String id = resume.orElseThrow().runId();
        try {
            return new RunStore(storage(), Storage.toUri(root)).open(id);
        } catch (IllegalArgumentException | java.io.FileNotFoundException e) {
            throw new InvalidConfigException("--resume " + id + ": " + e.getMessage());
        }
    }

    /** The run {@code --run} names (an id below {@code runRoot}, or a directory); refused naming the option. */
    static RunDirectory runNamed(Storage storage, String runRoot, String run) {
        return runNamed(storage, runRoot, run, "--run " + run);
    }

    /** {@link #runNamed(Storage, String, String)} for a run given as {@code given}, which a refusal names. */
    static RunDirectory runNamed(Storage storage, String runRoot, String run, String given) {
        try {
            return new RunStore(storage, Storage.toUri(runRoot)).find(run);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException(given + ": " + e.getMessage());
        }
    }

    /** Hadoop settings as Spark would pass them: spark.hadoop.* properties set by spark-submit. */
    static Storage storage() {
        Configuration conf = new Configuration();
        System.getProperties().stringPropertyNames().stream()
                .filter(key -> key.startsWith("spark.hadoop."))
                .forEach(key -> conf.set(key.substring("spark.hadoop.".length()), System.getProperty(key)));
        return new Storage(conf);
    }
}
