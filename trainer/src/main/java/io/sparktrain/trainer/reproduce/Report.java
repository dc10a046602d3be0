package io.sparktrain.trainer.reproduce;

import io.sparktrain.datasets.tables.Table;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.plots.Chart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The markdown report of a reproduction, side by side with the references, and its PNG plots. */
public final class Report {
    private Report() {}

    /** Writes {@code report.md} and the plots into {@code directory}; returns the report's text. */
    public static String write(Path directory, List<ExampleResult> results) throws IOException {
        Files.createDirectories(directory);
        StringBuilder text = new StringBuilder("# Classic course examples, reproduced\n\n");
        long checks = results.stream().mapToLong(r -> r.rows().size()).sum();
        long passed = results.stream().flatMap(r -> r.rows().stream()).filter(ExampleResult.Row::passed).count();
        Map<String, List<ExampleResult>> byFile = new LinkedHashMap<>();
        for (ExampleResult result : results) {
            byFile.computeIfAbsent(result.run().example().name(), name -> new ArrayList<>()).add(result);
        }
        text.append(String.format(Locale.ROOT, "%d of %d checks within their tolerance, %d examples.%n%n", passed,
                checks, byFile.size()));
        text.append("| example | check | reference | ours | tolerance | result |\n|---|---|---|---|---|---|\n");
        for (ExampleResult result : results) {
            for (ExampleResult.Row row : result.rows()) {
                text.append("| ").append(result.run().example().label()).append(" | ").append(cells(row))
                        .append(" |\n");
            }
        }
        for (List<ExampleResult> variants : byFile.values()) {
            text.append('\n').append(section(directory, variants));
        }
        Files.writeString(directory.resolve("report.md"), text, StandardCharsets.UTF_8);
        return text.toString();
    }

    /** One example file: its variants' training, checks and plots. */
    private static String section(Path directory, List<ExampleResult> variants) throws IOException {
        Example first = variants.get(0).run().example();
        StringBuilder text = new StringBuilder("## ").append(first.title()).append("\n\n");
        text.append("`").append(first.file()).append("`. Reference: ").append(first.reference()).append("\n\n");
        for (ExampleResult result : variants) {
            text.append(first.variant().isEmpty() ? "" : "*" + result.run().example().variant() + "*: ")
                    .append(training(result.run()));
        }
        text.append("\n| check | reference | ours | tolerance | result | why this tolerance |\n"
                + "|---|---|---|---|---|---|\n");
        for (ExampleResult result : variants) {
            String prefix = first.variant().isEmpty() ? "" : result.run().example().variant() + ": ";
            for (ExampleResult.Row row : result.rows()) {
                text.append("| ").append(prefix).append(cells(row)).append(" | ").append(row.check().why())
                        .append(" |\n");
            }
        }
        for (String plot : first.plots()) {
            if (plot.equals("loss")) {
                String file = first.name() + "-loss.png";
                Files.write(directory.resolve(file), variants.size() == 1 && first.onTable()
                        ? lossChart(variants.get(0).run()) : epochChart(variants, "mean loss per epoch", "loss", true,
                                ExampleRun::epochLosses));
                text.append("\n![loss](").append(file).append(")\n");
            } else if (plot.equals("accuracy")) {
                String file = first.name() + "-accuracy.png";
                Files.write(directory.resolve(file), epochChart(variants, "test accuracy per epoch", "accuracy",
                        false, ExampleRun::testAccuracies));
                text.append("\n![accuracy](").append(file).append(")\n");
            } else {
                for (ExampleResult result : variants) {
                    Example example = result.run().example();
                    String file = example.name() + (example.variant().isEmpty() ? "" : "-" + example.variant())
                            + "-fit.png";
                    Files.write(directory.resolve(file), fitChart(result.run()));
                    text.append("\n![fit](").append(file).append(")\n");
                }
            }
        }
        return text.toString();
    }

    private static String training(ExampleRun run) {
        TrainConfig config = run.example().config();
        if (!run.example().train()) {
            return "Not trained: the network as the example sets it.\n";
        }
        if (run.table().isEmpty()) {
            return String.format(Locale.ROOT, "Trained %d of %d epochs on %s with %s, %s worker(s), minibatches of "
                    + "%d per worker, %s at learning rate %s, in %.1f s; final test accuracy %s; run `%s`.%n",
                    run.epochLosses().length, config.training().epochs(), config.data().dataset(),
                    config.sync().strategy(), config.sync().workers() == 0 ? "all" : config.sync().workers(),
                    config.training().batchSizePerWorker(), config.model().updater(),
                    format(config.model().learningRate()), run.seconds(), format(last(run.testAccuracies())),
                    run.runDirectory());
        }
        int rows = run.table().get().rows();
        return String.format(Locale.ROOT, "Trained %d epochs in minibatches of %d of %d rows (%d steps) with %s at "
                + "learning rate %s in %.1f s; final loss %s.%n", config.training().epochs(),
                Math.min(config.training().batchSizePerWorker(), rows), rows, run.stepLosses().length,
                config.model().updater(), format(config.model().learningRate()), run.seconds(),
                format(run.finalLoss()));
    }

    private static String cells(ExampleResult.Row row) {
        List<Double> measured = new ArrayList<>();
        for (double value : row.measured()) {
            measured.add(value);
        }
        Check check = row.check();
        boolean bound = check.bound() != Check.Bound.NONE;
        return check.describe() + " | " + check.bound().prefix() + values(check.expected()) + " | "
                + values(measured) + " | " + (bound ? "a bound" : format(check.tolerance())) + " | "
                + (row.passed() ? "pass" : "**FAIL**");
    }

    private static String values(List<Double> values) {
        return values.size() == 1 ? format(values.get(0)) : Check.numbers(values);
    }

    private static byte[] lossChart(ExampleRun run) {
        double[] losses = run.stepLosses();
        boolean positive = IntStream.range(0, losses.length).allMatch(i -> losses[i] > 0);
        return new Chart(run.example().title() + ": loss", "step", "loss", positive)
                .line("training loss", losses).png();
    }

    /** A figure of every epoch, one line per variant: variants with different steps per epoch compare by epoch. */
    private static byte[] epochChart(List<ExampleResult> variants, String title, String axis, boolean logY,
            Function<ExampleRun, double[]> figures) {
        Example first = variants.get(0).run().example();
        Chart chart = new Chart(first.title() + ": " + title, "epoch", axis, logY).wholeNumberX();
        for (ExampleResult result : variants) {
            String variant = result.run().example().variant();
            chart.line(variant.isEmpty() ? axis : variant, figures.apply(result.run()));
        }
        return chart.png();
    }

    /** Data and predictions against the first feature, for one-feature regressions. */
    private static byte[] fitChart(ExampleRun run) {
        Table table = run.requireTable();
        INDArray predictions = run.network().outputSingle(false, table.toDataSet().getFeatures());
        double[][] features = table.features();
        double[][] labels = table.labels();
        Integer[] order = IntStream.range(0, table.rows()).boxed().sorted(Comparator.comparingDouble(i -> features[i][0]))
                .toArray(Integer[]::new);
        double[] x = new double[order.length];
        double[] y = new double[order.length];
        double[] predicted = new double[order.length];
        for (int i = 0; i < order.length; i++) {
            x[i] = features[order[i]][0];
            y[i] = labels[order[i]][0];
            predicted[i] = predictions.getDouble(order[i], 0);
        }
        return new Chart(run.example().title() + ": data and predictions", "x", "y", false)
                .points("data", x, y).line("network", x, predicted).png();
    }

    private static double last(double[] values) {
        return values[values.length - 1];
    }

    static String format(double value) {
        double magnitude = Math.abs(value);
        if (value == Math.rint(value) && magnitude < 1e6) {
            return String.valueOf((long) value);
        }
        if (magnitude < 1e-3 || magnitude >= 1e6) {
            return String.format(Locale.ROOT, "%.3e", value);
        }
        return String.format(Locale.ROOT, "%.5g", value).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }
}
