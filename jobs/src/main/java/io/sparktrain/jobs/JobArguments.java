package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.Param;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * The command line of a training job:
 * {@code --config FILE [--set key=value]...} for a new run, or
 * {@code --resume RUN_ID [--set key=value]...} to continue one with its saved config.
 */
public record JobArguments(Optional<Path> configFile, Optional<String> resumeRunId, List<String> overrides,
        boolean describeConfig) {

    public static final String USAGE = """
            usage: train --config FILE [--set key=value]...
                   train --resume RUN_ID [--set run.root=DIR] [--set key=value]...
                   train --describe-config
              --config FILE        job config (HOCON), e.g. conf/mnist-lenet.conf
              --resume RUN_ID      continue runs/RUN_ID under run.root from its last complete checkpoint,
                                   with the config saved in the run; overrides may extend training.epochs
              --set key=value      override any config key (repeatable)
              --describe-config    print every config key with its default and meaning
            """;

    public static JobArguments parse(String... args) {
        Path config = null;
        String resume = null;
        boolean describe = false;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--config" -> config = Path.of(value(args, ++i, arg, USAGE));
                case "--resume" -> resume = value(args, ++i, arg, USAGE);
                case "--set" -> overrides.add(value(args, ++i, arg, USAGE));
                case "--describe-config" -> describe = true;
                default -> throw new InvalidConfigException("unknown argument '" + arg + "'\n" + USAGE);
            }
        }
        if (!describe && (config == null) == (resume == null)) {
            throw new InvalidConfigException("give exactly one of --config and --resume\n" + USAGE);
        }
        return new JobArguments(Optional.ofNullable(config), Optional.ofNullable(resume), List.copyOf(overrides),
                describe);
    }

    /** {@code args[i]}, the value of {@code option}; shared by the jobs' command lines. */
    static String value(String[] args, int i, String option, String usage) {
        if (i >= args.length) {
            throw new InvalidConfigException(option + " needs a value\n" + usage);
        }
        return args[i];
    }

    /** The config file with overrides, or, when resuming, the run's saved config with overrides. */
    public TrainConfig resolveConfig() throws IOException {
        if (configFile.isPresent()) {
            return ConfigLoader.load(configFile.get(), overrides);
        }
        for (String override : overrides) {
            String key = override.substring(0, Math.max(0, override.indexOf('='))).strip();
            for (Param<?> fixed : ConfigSchema.ARCHITECTURE_DEFINING) {
                if (fixed.key().equals(key)) {
                    throw new InvalidConfigException(key + " cannot be overridden when resuming: the network and "
                            + "its optimizer come from the run's checkpoint; start a new run to change it");
                }
            }
        }
        // Only run.root is needed to find the run; it may be given as an override.
        TrainConfig locating = ConfigLoader.parse("", "command line", rootOverride());
        RunDirectory run = new RunStore(storage(), Storage.toUri(locating.run().root())).open(resumeRunId.get());
        return ConfigLoader.parse(run.readConfig(), run.uri() + "/config.conf", overrides);
    }

    private List<String> rootOverride() {
        return overrides.stream().filter(o -> o.startsWith(ConfigSchema.RUN_ROOT.key() + "=")).toList();
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
