package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.reproduce.Example;
import io.sparktrain.trainer.reproduce.ExampleResult;
import io.sparktrain.trainer.reproduce.ExampleRunner;
import io.sparktrain.trainer.reproduce.Report;
import io.sparktrain.trainer.reproduce.SparkTraining;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reproduces the classic course examples, each an ordinary job config in {@code conf/examples}
 * with a {@code reproduce} section of reference figures, and writes a report that puts the
 * references and ours side by side, with plots. Examples on small tables train in this JVM; those on
 * a Spark dataset train as {@link TrainJob} does, their runs and shards kept in the report's
 * directory.
 *
 * <p>Exit codes: 0 every check passed; 1 a check missed its tolerance; 2 bad command line or
 * example; 3 bad data; 4 training failed.
 */
public final class ReproduceJob {
    static final int OK = 0;
    static final int CHECK_FAILED = 1;
    static final int BAD_CONFIG = 2;
    static final int BAD_DATA = 3;
    static final int FAILED = 4;

    static final String USAGE = """
            usage: reproduce [--example NAME]... [--examples-dir DIR] [--out DIR] [--set key=value]...
              --example NAME       run DIR/NAME.conf only (repeatable); default: every .conf file in DIR
              --examples-dir DIR   where the examples are (default conf/examples)
              --out DIR            where report.md, the plots and the Spark examples' runs go
                                   (default reproduce-report)
              --set key=value      override a config key in every example, e.g. training.epochs=100
            exit codes: 0 every check passed, 1 a check failed, 2 bad arguments or example, 3 bad data,
            4 training failed
            """;

    private static final Logger log = LoggerFactory.getLogger(ReproduceJob.class);

    private ReproduceJob() {}

    record Arguments(List<String> examples, Path examplesDir, Path out, List<String> overrides) {
        static Arguments parse(String... args) {
            List<String> examples = new ArrayList<>();
            List<String> overrides = new ArrayList<>();
            Path dir = Path.of("conf", "examples");
            Path out = Path.of("reproduce-report");
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (i + 1 >= args.length) {
                    throw new InvalidConfigException("unknown argument or missing value: '" + arg + "'\n" + USAGE);
                }
                String value = args[++i];
                switch (arg) {
                    case "--example" -> examples.add(value);
                    case "--examples-dir" -> dir = Path.of(value);
                    case "--out" -> out = Path.of(value);
                    case "--set" -> overrides.add(value);
                    default -> throw new InvalidConfigException("unknown argument '" + arg + "'\n" + USAGE);
                }
            }
            return new Arguments(List.copyOf(examples), dir, out, List.copyOf(overrides));
        }

        List<Path> files() throws IOException {
            if (!Files.isDirectory(examplesDir)) {
                throw new InvalidConfigException(examplesDir + ": no examples directory (--examples-dir)");
            }
            if (!examples.isEmpty()) {
                return examples.stream().map(name -> examplesDir.resolve(name + ".conf")).toList();
            }
            try (Stream<Path> files = Files.list(examplesDir)) {
                return files.filter(f -> f.getFileName().toString().endsWith(".conf")).sorted().toList();
            }
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        try {
            Arguments arguments = Arguments.parse(args);
            // Runs of Spark examples belong with their report, unless the user says otherwise.
            List<String> overrides = new ArrayList<>();
            overrides.add(ConfigSchema.RUN_ROOT.key() + "=" + arguments.out().toAbsolutePath());
            overrides.addAll(arguments.overrides());
            // Every example is checked before the first one trains.
            List<Example> examples = new ArrayList<>();
            for (Path file : arguments.files()) {
                examples.addAll(Example.load(file, overrides));
            }
            return run(examples, arguments.out()) ? OK : CHECK_FAILED;
        } catch (InvalidConfigException e) {
            log.error("Invalid example: {}", e.getMessage());
            return BAD_CONFIG;
        } catch (IOException e) {
            log.error("Cannot reproduce: {}", e.getMessage(), e);
            return BAD_DATA;
        } catch (RuntimeException e) {
            log.error("Training failed", e);
            return FAILED;
        }
    }

    /** Runs the examples, writes the report into {@code out}; true when every check passed. */
    static boolean run(List<Example> examples, Path out) throws IOException {
        NativeLayerOps.enableInThisJvm();
        List<ExampleResult> results = new ArrayList<>();
        for (Example example : examples) {
            log.info("{}: {}", example.label(), example.title());
            ExampleResult result = ExampleRunner.run(example, ReproduceJob::trainOnSpark);
            log.info("{}: {} in {} s", example.label(), result.passed() ? "every check passed" : "a check FAILED",
                    String.format("%.1f", result.run().seconds()));
            results.add(result);
        }
        String report = Report.write(out, results);
        System.out.println(report);
        log.info("Report: {}", out.resolve("report.md").toAbsolutePath());
        return results.stream().allMatch(ExampleResult::passed);
    }

    /** Trains as the train job does, then reads back what the run recorded. */
    private static SparkTraining.Trained trainOnSpark(TrainConfig config) throws IOException {
        RunDirectory run = TrainJob.run(config, Optional.empty());
        int last = run.lastCheckpointEpoch()
                .orElseThrow(() -> new IOException("run " + run.id() + " recorded no epoch"));
        return new SparkTraining.Trained(run.readCheckpoint(last), numbers(run.trainLosses(last)),
                numbers(run.testAccuracies(last)), Storage.display(run.uri()));
    }

    private static double[] numbers(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
