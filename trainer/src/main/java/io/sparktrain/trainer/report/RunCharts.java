package io.sparktrain.trainer.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparktrain.trainer.plots.Chart;
import io.sparktrain.trainer.runs.MetricsLine;
import java.util.ArrayList;
import java.util.List;

/** The charts of run reports: figures per epoch of one run or several, and a GAN's losses per round. */
public final class RunCharts {
    static final String DISCRIMINATOR_LOSS = "discriminator -[log D(x) + log(1 - D(G(z)))]";
    static final String GENERATOR_LOSS = "generator -log D(G(z))";

    private RunCharts() {}

    /** A figure per epoch, one line per run named by its id, or by {@code label} for a run alone. */
    static Page.Image perEpoch(List<RunRecord> runs, String field, String label, String title, boolean logY) {
        Chart chart = new Chart(title, "epoch", label, logY).wholeNumberX();
        for (RunRecord run : runs) {
            chart.line(runs.size() == 1 ? label : run.id(), run.epochNumbers(), run.series(field));
        }
        if (runs.size() == 1) {
            resumeMarkers(chart, runs.get(0));
        }
        return new Page.Image(title, chart.png());
    }

    /** Several figures per epoch of one run in one chart, such as accuracy on real and on fake images. */
    static Page.Image fields(RunRecord run, List<String> fields, List<String> labels, String title, String yLabel) {
        Chart chart = new Chart(title, "epoch", yLabel, false).wholeNumberX();
        for (int i = 0; i < fields.size(); i++) {
            chart.line(labels.get(i), run.epochNumbers(), run.series(fields.get(i)));
        }
        resumeMarkers(chart, run);
        return new Page.Image(title, chart.png());
    }

    /**
     * Both networks' loss in every round, each round drawn at its middle (epoch 2's third of four
     * rounds at 1.625), with each epoch's mean at the epoch's end: whole epochs then stand apart
     * from the rounds, so the axis is labelled in whole epochs.
     */
    public static byte[] ganRoundLosses(List<JsonNode> epochs) {
        Chart chart = new Chart("GAN losses per round", "epoch", "loss", false).wholeNumberX();
        boolean severalRounds = epochs.stream()
                .anyMatch(epoch -> epoch.path("discriminator_round_losses").size() > 1);
        if (severalRounds) {
            double[][] discriminator = rounds(epochs, "discriminator_round_losses");
            double[][] generator = rounds(epochs, "generator_round_losses");
            chart.line(DISCRIMINATOR_LOSS, discriminator[0], discriminator[1]);
            chart.line(GENERATOR_LOSS, generator[0], generator[1]);
        }
        double[] ends = epochs.stream().mapToDouble(epoch -> epoch.path("epoch").asDouble()).toArray();
        double[] discriminatorMeans = epochs.stream()
                .mapToDouble(epoch -> MetricsLine.numberOrNaN(epoch, "discriminator_loss")).toArray();
        double[] generatorMeans = epochs.stream()
                .mapToDouble(epoch -> MetricsLine.numberOrNaN(epoch, "generator_loss")).toArray();
        String suffix = severalRounds ? ", epoch mean" : "";
        chart.points(DISCRIMINATOR_LOSS + suffix, ends, discriminatorMeans);
        chart.points(GENERATOR_LOSS + suffix, ends, generatorMeans);
        return chart.png();
    }

    /** x (middle of the round, in epochs) and y of every round, epochs in order. */
    private static double[][] rounds(List<JsonNode> epochs, String field) {
        List<double[]> points = new ArrayList<>();
        for (JsonNode epoch : epochs) {
            JsonNode losses = epoch.path(field);
            int epochNumber = epoch.path("epoch").asInt();
            for (int r = 0; r < losses.size(); r++) {
                double loss = losses.get(r).isNumber() ? losses.get(r).doubleValue() : Double.NaN;
                points.add(new double[] {epochNumber - 1 + (r + 0.5) / losses.size(), loss});
            }
        }
        double[][] xy = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            xy[0][i] = points.get(i)[0];
            xy[1][i] = points.get(i)[1];
        }
        return xy;
    }

    private static void resumeMarkers(Chart chart, RunRecord run) {
        for (JsonNode resume : run.resumes()) {
            int after = resume.path("after_epoch").asInt();
            chart.marker(after, "resumed after epoch " + after);
        }
    }
}
