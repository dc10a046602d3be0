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
import java.util.List;
import java.util.Locale;
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
        text.append(String.format(Locale.ROOT, "%d of %d checks within their tolerance, %d examples.%n%n", passed,
                checks, results.size()));
        text.append("| example | check | reference | ours | tolerance | result |\n|---|---|---|---|---|---|\n");
        for (ExampleResult result : results) {
            for (ExampleResult.Row row : result.rows()) {
                text.append("| ").append(result.run().example().name()).append(" | ").append(cells(row)).append(" |\n");
            }
        }
        for (ExampleResult result : results) {
            text.append('\n').append(section(directory, result));
        }
        Files.writeString(directory.resolve("report.md"), text, StandardCharsets.UTF_8);
        return text.toString();
    }

    private static String section(Path directory, ExampleResult result) throws IOException {
        ExampleRun run = result.run();
        Example example = run.example();
        TrainConfig config = example.config();
        StringBuilder text = new StringBuilder("## ").append(example.title()).append("\n\n");
        text.append("`").append(example.file()).append("`. Reference: ").append(example.reference()).append("\n\n");
        if (example.train()) {
            int batch = Math.min(config.training().batchSizePerWorker(), run.table().rows());
            text.append(String.format(Locale.ROOT, "Trained %d epochs in minibatches of %d of %d rows (%d steps) "
                    + "with %s at learning rate %s in %.1f s; final loss %s.%n%n", config.training().epochs(), batch,
                    run.table().rows(), run.losses().length, config.model().updater(),
                    format(config.model().learningRate()), run.seconds(), format(last(run.losses()))));
        } else {
            text.append("Not trained: the network as the example sets it.\n\n");
        }
        text.append("| check | reference | ours | tolerance | result | why this tolerance |\n|---|---|---|---|---|---|\n");
        for (ExampleResult.Row row : result.rows()) {
            text.append("| ").append(cells(row)).append(" | ").append(row.check().why()).append(" |\n");
        }
        for (String plot : example.plots()) {
            String file = example.name() + "-" + plot + ".png";
            Files.write(directory.resolve(file), plot.equals("loss") ? lossChart(run) : fitChart(run));
            text.append("\n![").append(plot).append("](").append(file).append(")\n");
        }
        return text.toString();
    }

    private static String cells(ExampleResult.Row row) {
        List<Double> measured = new ArrayList<>();
        for (double value : row.measured()) {
            measured.add(value);
        }
        return row.check().describe() + " | " + values(row.check().expected()) + " | " + values(measured) + " | "
                + format(row.check().tolerance()) + " | " + (row.passed() ? "pass" : "**FAIL**");
    }

    private static String values(List<Double> values) {
        return values.size() == 1 ? format(values.get(0)) : Check.numbers(values);
    }

    private static byte[] lossChart(ExampleRun run) {
        boolean positive = IntStream.range(0, run.losses().length).allMatch(i -> run.losses()[i] > 0);
        return new Chart(run.example().title() + ": loss", "step", "loss", positive)
                .line("training loss", run.losses()).png();
    }

    /** Data and predictions against the first feature, for one-feature regressions. */
    private static byte[] fitChart(ExampleRun run) {
        Table table = run.table();
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
