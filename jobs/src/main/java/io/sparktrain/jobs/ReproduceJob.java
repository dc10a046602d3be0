package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
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
 * Exit codes: {@link ExitCode}; {@link ExitCode#CHECK_FAILED} when a check misses its tolerance.
 */
public final class ReproduceJob {
    static final String SYNOPSIS = "usage: reproduce [--example NAME]... [--examples-dir DIR] [--out DIR] "
            + "[--set key=value]...";
    private static final Option EXAMPLE = Option.repeatable("--example", "NAME",
            "run DIR/NAME.conf only (repeatable); default: every .conf file in DIR");
    private static final Option EXAMPLES_DIR = Option.single("--examples-dir", "DIR",
            "where the examples are (default conf/examples)");
    private static final Option OUT = Option.single("--out", "DIR",
            "where report.md, the plots and the Spark examples' runs go (default reproduce-report)");
    private static final Option SET = Option.repeatable("--set", "key=value",
            "override a config key in every example, e.g. training.epochs=100");

    private static final Logger log = LoggerFactory.getLogger(ReproduceJob.class);

    private ReproduceJob() {}

    record Arguments(List<String> examples, Path examplesDir, Path out, List<String> overrides) {
        /** The arguments, or empty when the command line asks for help (printed). */
        static Optional<Arguments> parse(String... args) {
            CommandLine line = CommandLine.parse(SYNOPSIS, List.of(EXAMPLE, EXAMPLES_DIR, OUT, SET), args);
            if (line.has(CommandLine.HELP.name())) {
                System.out.print(line.usage());
                return Optional.empty();
            }
            return Optional.of(new Arguments(line.values(EXAMPLE.name()),
                    Path.of(line.value(EXAMPLES_DIR.name()).orElse("conf/examples")),
                    Path.of(line.value(OUT.name()).orElse("reproduce-report")), line.values(SET.name())));
        }

        List<Path> files() throws IOException {
            if (!Files.isDirectory(examplesDir)) {
                throw new InvalidConfigException(examplesDir + ": no examples directory (--examples-dir)");
            }
            List<Path> all;
            try (Stream<Path> files = Files.list(examplesDir)) {
                all = files.filter(f -> f.getFileName().toString().endsWith(".conf")).sorted().toList();
            }
            for (String name : examples) {
                if (!all.contains(examplesDir.resolve(name + ".conf"))) {
                    throw new InvalidConfigException("--example " + name + ": no " + name + ".conf in " + examplesDir
                            + "; the examples there: " + all.stream().map(f -> f.getFileName().toString()
                                    .replaceFirst("\\.conf$", "")).toList());
                }
            }
            return examples.isEmpty() ? all : examples.stream().map(name -> examplesDir.resolve(name + ".conf"))
                    .toList();
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("reproduce", () -> {
            Optional<Arguments> parsed = Arguments.parse(args);
            if (parsed.isEmpty()) {
                return ExitCode.OK;
            }
            Arguments arguments = parsed.get();
            // Runs of Spark examples belong with their report, unless the user says otherwise.
            List<String> overrides = new ArrayList<>();
            overrides.add(ConfigSchema.RUN_ROOT.key() + "=" + arguments.out().toAbsolutePath());
            overrides.addAll(arguments.overrides());
            // Every example is checked before the first one trains.
            List<Example> examples = new ArrayList<>();
            for (Path file : arguments.files()) {
                examples.addAll(Example.load(file, overrides));
            }
            return run(examples, arguments.out()) ? ExitCode.OK : ExitCode.CHECK_FAILED;
        });
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
