package io.sparktrain.trainer.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One page for several runs: their summaries in one table and their curves on the same axes, one
 * line per run, for classifiers and GANs alike (each kind with its own figures), e.g. gradient
 * sharing against averaging, or a grid of techniques.
 */
public final class ComparisonReport {
    private ComparisonReport() {}

    public static byte[] page(List<RunRecord> runs) {
        Page page = new Page("Comparison of " + runs.size() + " runs");
        page.heading("Comparison of " + runs.size() + " runs", String.join(", ", runs.stream().map(RunRecord::id)
                .toList()));
        List<RunRecord> classifiers = runs.stream().filter(run -> !run.isGan()).toList();
        List<RunRecord> gans = runs.stream().filter(RunRecord::isGan).toList();
        page.section(RunReport.SUMMARY, "Summary");
        for (List<RunRecord> kind : List.of(classifiers, gans)) {
            if (!kind.isEmpty()) {
                summaryTable(page, kind);
            }
        }
        page.section(RunReport.CURVES, "Curves per epoch");
        List<Page.Image> charts = new ArrayList<>();
        if (!classifiers.isEmpty()) {
            charts.add(RunCharts.perEpoch(classifiers, "train_loss", "training loss", "Training loss per epoch",
                    true));
            charts.add(RunCharts.perEpoch(classifiers, "test_accuracy", "test accuracy", "Test accuracy per epoch",
                    false));
            charts.add(RunCharts.perEpoch(classifiers, "samples_per_second", "samples/s",
                    "Training throughput per epoch", false));
        }
        if (!gans.isEmpty()) {
            charts.add(RunCharts.perEpoch(gans, "classifier_score", "MNIST score", "MNIST score per epoch", false));
            charts.add(RunCharts.perEpoch(gans, "frechet_distance", "FID", "FID (LeNet features) per epoch", false));
            charts.add(RunCharts.perEpoch(gans, "discriminator_accuracy", "discriminator accuracy",
                    "Discriminator accuracy per epoch", false));
            charts.add(RunCharts.perEpoch(gans, "real_images_per_second", "real images/s", "Throughput per epoch",
                    false));
        }
        page.images(charts);
        return page.bytes();
    }

    private static void summaryTable(Page page, List<RunRecord> runs) {
        List<String> header = new ArrayList<>(List.of("run", "epochs"));
        header.addAll(RunReport.summary(runs.get(0)).keySet());
        List<List<String>> rows = new ArrayList<>();
        for (RunRecord run : runs) {
            List<String> row = new ArrayList<>(List.of(run.id(), String.valueOf(run.epochs().size())));
            Map<String, String> figures = RunReport.summary(run);
            header.subList(2, header.size()).forEach(name -> row.add(figures.getOrDefault(name, "–")));
            rows.add(row);
        }
        page.table(header, rows);
    }
}
