package io.sparktrain.trainer.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.sparktrain.trainer.plots.ConfusionHeatMap;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code report.html} of a run: the summary, the curves per epoch, the last epoch's confusion
 * matrix with per-class precision, recall and F1 (a classifier) or the latest and best sample
 * grids (a GAN), where the run was resumed, and the resolved config. Drawn from the run
 * directory's own files only, so the driver redraws it after every epoch and {@code submit/report}
 * draws the same page for any run on disk.
 */
public final class RunReport {
    /** Section ids of the page, in order; a GAN's page has samples where a classifier's has classes. */
    static final String SUMMARY = "summary";
    static final String CURVES = "curves";
    static final String CLASSES = "classes";
    static final String SAMPLES = "samples";
    static final String RESUMES = "resumes";
    static final String CONFIG = "config";
    private static final Logger log = LoggerFactory.getLogger(RunReport.class);

    private RunReport() {}

    /** Draws the run's page and puts it in place whole. */
    public static void write(RunDirectory run) throws IOException {
        run.writeFile("report.html", page(RunRecord.read(run)));
    }

    /**
     * {@link #write} after an epoch: the epoch is already complete, so a page that cannot be drawn
     * is logged and training goes on; a file system that fails still stops it.
     */
    public static void redraw(RunDirectory run) throws IOException {
        try {
            write(run);
        } catch (RuntimeException e) {
            log.warn("Could not draw report.html of run {}; training goes on, and submit/report {} draws it later",
                    run.id(), run.id(), e);
        }
    }

    public static byte[] page(RunRecord run) {
        Page page = new Page(run.id());
        page.heading(run.id(), (run.isGan() ? "GAN run" : "Classifier run") + ", " + progress(run));
        run.diverged().ifPresent(line -> page.note("Training diverged in epoch " + line.path("epoch").asInt()
                + " (training loss " + line.path("train_loss").asText() + " at batch " + line.path("batch").asInt()
                + "); the curves end at the last epoch that completed."));
        page.section(SUMMARY, "Summary");
        page.table(List.of("figure", "value"), summary(run).entrySet().stream()
                .map(entry -> List.of(entry.getKey(), entry.getValue())).toList());
        page.section(CURVES, "Curves per epoch");
        if (run.epochs().isEmpty()) {
            page.paragraph("No epoch has completed yet.");
        } else {
            page.images(run.isGan() ? ganCurves(run) : classifierCurves(run));
        }
        if (run.isGan()) {
            samples(page, run);
        } else {
            classes(page, run);
        }
        page.section(RESUMES, "Resumes");
        if (run.resumes().isEmpty()) {
            page.paragraph("Trained in one go, never resumed.");
        } else {
            page.table(List.of("resumed after epoch", "at"), run.resumes().stream()
                    .map(resume -> List.of(resume.path("after_epoch").asText(), resume.path("time").asText()))
                    .toList());
        }
        page.section(CONFIG, "Resolved config");
        page.preformatted(run.config());
        return page.bytes();
    }

    /**
     * "3 of 5 epochs", "finished after 5 epochs", or "stopped early after 4 epochs" when the summary
     * of the leg that trained the last epoch says it ended there.
     */
    private static String progress(RunRecord run) {
        int done = run.epochs().isEmpty() ? 0 : run.epochs().get(run.epochs().size() - 1).path("epoch").asInt();
        Optional<Integer> planned = configuredEpochs(run.config());
        String epochs = done + (done == 1 ? " epoch" : " epochs");
        if (planned.isPresent() && done >= planned.get()) {
            return "finished after " + epochs;
        }
        boolean stopped = run.summary().map(summary -> summary.path("last_epoch").asInt(-1) == done).orElse(false);
        return stopped ? "stopped early after " + epochs
                : planned.map(p -> done + " of " + p + " epochs").orElse(epochs);
    }

    static Optional<Integer> configuredEpochs(String config) {
        try {
            Config parsed = ConfigFactory.parseString(config);
            return parsed.hasPath("training.epochs") ? Optional.of(parsed.getInt("training.epochs")) : Optional.empty();
        } catch (ConfigException e) {
            return Optional.empty();
        }
    }

    /** The run's figures, named: a classifier's accuracy and speed, a GAN's scores and speed. */
    static Map<String, String> summary(RunRecord run) {
        return run.isGan() ? ganSummary(run) : classifierSummary(run);
    }

    private static Map<String, String> classifierSummary(RunRecord run) {
        Map<String, String> rows = new LinkedHashMap<>();
        double[] accuracy = run.series("test_accuracy");
        int best = IntStream.range(0, accuracy.length).reduce((a, b) -> accuracy[b] > accuracy[a] ? b : a).orElse(-1);
        double seconds = sum(run.series("train_seconds"));
        double examples = sum(run.series("train_examples"));
        rows.put("best test accuracy", best < 0 ? "–" : Page.percent(accuracy[best]) + " (epoch "
                + run.epochs().get(best).path("epoch").asInt() + ")");
        rows.put("final test accuracy", best < 0 ? "–" : Page.percent(accuracy[accuracy.length - 1]));
        rows.put("training time", Page.figure(seconds) + " s");
        rows.put("samples/s", seconds > 0 ? Page.figure(examples / seconds) : "–");
        rows.put("strategy", last(run, "strategy"));
        rows.put("workers", last(run, "workers"));
        return rows;
    }

    private static Map<String, String> ganSummary(RunRecord run) {
        Map<String, String> rows = new LinkedHashMap<>();
        double seconds = sum(run.series("seconds"));
        rows.put("training time", Page.figure(seconds) + " s");
        rows.put("real images/s", seconds > 0 ? Page.figure(sum(run.series("real_examples")) / seconds) : "–");
        rows.put("best MNIST score (classifier score)", best(run, "classifier_score", 1));
        rows.put("lowest FID", best(run, "frechet_distance", -1));
        rows.put("discriminator accuracy, last epoch", Page.percent(lastNumber(run, "discriminator_accuracy")));
        return rows;
    }

    private static List<Page.Image> classifierCurves(RunRecord run) {
        List<RunRecord> one = List.of(run);
        List<Page.Image> charts = new ArrayList<>();
        charts.add(RunCharts.perEpoch(one, "train_loss", "training loss", "Training loss per epoch", true));
        charts.add(RunCharts.perEpoch(one, "test_accuracy", "test accuracy", "Test accuracy per epoch", false));
        if (run.records("learning_rate")) {
            charts.add(RunCharts.perEpoch(one, "learning_rate", "learning rate", "Learning rate per epoch", true));
        }
        charts.add(RunCharts.perEpoch(one, "samples_per_second", "samples/s", "Training throughput per epoch",
                false));
        // Averaging sends the same parameters every round; what sharing sends follows its threshold.
        if (last(run, "strategy").equals("gradient-sharing") && run.records("bytes_per_step")) {
            charts.add(RunCharts.perEpoch(one, "bytes_per_step", "bytes per worker step",
                    "Gradient sharing: bytes sent per worker step", false));
        }
        return charts;
    }

    private static List<Page.Image> ganCurves(RunRecord run) {
        List<RunRecord> one = List.of(run);
        List<Page.Image> charts = new ArrayList<>();
        charts.add(new Page.Image("GAN losses per round", RunCharts.ganRoundLosses(run.epochs())));
        if (run.records("classifier_score")) {
            charts.add(RunCharts.perEpoch(one, "classifier_score", "MNIST score", "MNIST score per epoch", false));
            charts.add(RunCharts.perEpoch(one, "frechet_distance", "FID", "FID (LeNet features) per epoch", false));
        }
        charts.add(RunCharts.fields(run, List.of("discriminator_accuracy", "discriminator_accuracy_real",
                "discriminator_accuracy_fake"), List.of("all", "real images", "fake images"),
                "Discriminator accuracy per epoch", "accuracy"));
        charts.add(RunCharts.perEpoch(one, "real_images_per_second", "real images/s", "Throughput per epoch",
                false));
        return charts;
    }

    private static void classes(Page page, RunRecord run) {
        page.section(CLASSES, "Classes, last epoch");
        if (run.epochs().isEmpty()) {
            page.paragraph("No epoch has completed yet.");
            return;
        }
        JsonNode last = run.epochs().get(run.epochs().size() - 1);
        JsonNode matrix = last.path("confusion_matrix");
        int n = matrix.size();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            names.add(c < run.classes().size() ? run.classes().get(c) : String.valueOf(c));
        }
        long[][] counts = new long[n][n];
        for (int actual = 0; actual < n; actual++) {
            for (int predicted = 0; predicted < n; predicted++) {
                counts[actual][predicted] = matrix.path(actual).path(predicted).asLong();
            }
        }
        int epoch = last.path("epoch").asInt();
        page.images(List.of(new Page.Image("Confusion matrix, epoch " + epoch,
                ConfusionHeatMap.png("Confusion matrix, epoch " + epoch + " (test set)", counts, names))));
        List<List<String>> rows = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            long support = 0;
            for (long count : counts[c]) {
                support += count;
            }
            rows.add(List.of(names.get(c), Page.figure(last.path("precision").path(c).asDouble(Double.NaN)),
                    Page.figure(last.path("recall").path(c).asDouble(Double.NaN)),
                    Page.figure(last.path("f1").path(c).asDouble(Double.NaN)), String.valueOf(support)));
        }
        page.table(List.of("class", "precision", "recall", "F1", "test examples"), rows);
    }

    private static void samples(Page page, RunRecord run) {
        page.section(SAMPLES, "Samples");
        List<Page.Image> grids = new ArrayList<>();
        run.latestSamples().ifPresent(grid -> grids.add(new Page.Image("Samples of epoch " + grid.epoch()
                + " (latest)", grid.png())));
        run.bestSamples().filter(best -> run.latestSamples().map(l -> l.epoch() != best.epoch()).orElse(true))
                .ifPresent(grid -> grids.add(new Page.Image("Samples of epoch " + grid.epoch()
                        + " (best MNIST score)", grid.png())));
        if (grids.isEmpty()) {
            page.paragraph("No sample grid yet.");
            return;
        }
        page.paragraph(grids.stream().map(Page.Image::alt).reduce((a, b) -> a + "; " + b).orElseThrow()
                + ". The same noise every epoch.");
        page.images(grids);
    }

    private static String best(RunRecord run, String field, int sign) {
        double[] values = run.series(field);
        int best = -1;
        for (int i = 0; i < values.length; i++) {
            if (Double.isFinite(values[i]) && (best < 0 || sign * values[i] > sign * values[best])) {
                best = i;
            }
        }
        return best < 0 ? "–" : Page.figure(values[best]) + " (epoch " + run.epochs().get(best).path("epoch").asInt()
                + ")";
    }

    private static String last(RunRecord run, String field) {
        return run.epochs().isEmpty() ? "–" : run.epochs().get(run.epochs().size() - 1).path(field).asText("–");
    }

    private static double lastNumber(RunRecord run, String field) {
        double[] values = run.series(field);
        return values.length == 0 ? Double.NaN : values[values.length - 1];
    }

    static double sum(double[] values) {
        double total = 0;
        for (double value : values) {
            total += Double.isFinite(value) ? value : 0;
        }
        return total;
    }
}
