package io.sparktrain.trainer.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a report shows of one run, read from its directory: the config, the metrics line of every
 * epoch, the summary, the class names, the resumes and, for a GAN, its latest and best sample grids.
 *
 * @param epochs the epochs' metrics lines in order, without the line of a divergence
 * @param diverged the line of a divergence, if training diverged
 */
public record RunRecord(String id, String config, List<JsonNode> epochs, Optional<JsonNode> diverged,
        Optional<JsonNode> summary, List<String> classes, List<JsonNode> resumes, Optional<Grid> latestSamples,
        Optional<Grid> bestSamples) {
    /** A GAN's sample grid of one epoch, as PNG. */
    public record Grid(int epoch, byte[] png) {}

    public static RunRecord read(RunDirectory run) throws IOException {
        List<JsonNode> epochs = new ArrayList<>();
        Optional<JsonNode> diverged = Optional.empty();
        for (String line : run.metricLines(Integer.MAX_VALUE)) {
            JsonNode node = MetricsLine.parse(line);
            if (node.path("diverged").asBoolean(false)) {
                diverged = Optional.of(node);
            } else {
                epochs.add(node);
            }
        }
        Optional<JsonNode> summary = run.readSummary().isPresent()
                ? Optional.of(MetricsLine.parse(run.readSummary().get())) : Optional.empty();
        List<String> classes = run.readClasses().map(text -> text.lines().toList()).orElse(List.of());
        List<JsonNode> resumes = new ArrayList<>();
        for (String line : run.resumes()) {
            resumes.add(MetricsLine.parse(line));
        }
        Optional<Grid> latest = Optional.empty();
        Optional<Grid> best = Optional.empty();
        if (isGan(epochs) && !epochs.isEmpty()) {
            int last = epochs.get(epochs.size() - 1).path("epoch").asInt();
            latest = grid(run, last);
            OptionalDouble bestScore = OptionalDouble.empty();
            int bestEpoch = last;
            for (JsonNode epoch : epochs) {
                JsonNode score = epoch.get("classifier_score");
                if (score != null && score.isNumber()
                        && (bestScore.isEmpty() || score.doubleValue() > bestScore.getAsDouble())) {
                    bestScore = OptionalDouble.of(score.doubleValue());
                    bestEpoch = epoch.path("epoch").asInt();
                }
            }
            best = bestEpoch == last ? latest : grid(run, bestEpoch);
        }
        return new RunRecord(run.id(), run.readConfig(), List.copyOf(epochs), diverged, summary, classes,
                List.copyOf(resumes), latest, best);
    }

    public boolean isGan() {
        return isGan(epochs);
    }

    private static boolean isGan(List<JsonNode> epochs) {
        return epochs.stream().anyMatch(epoch -> epoch.has("discriminator_loss"));
    }

    /** The figure {@code field} of every epoch, NaN where an epoch has none. */
    double[] series(String field) {
        return epochs.stream().mapToDouble(epoch -> MetricsLine.numberOrNaN(epoch, field)).toArray();
    }

    double[] epochNumbers() {
        return epochs.stream().mapToDouble(epoch -> epoch.path("epoch").asDouble()).toArray();
    }

    boolean records(String field) {
        return epochs.stream().anyMatch(epoch -> Double.isFinite(MetricsLine.numberOrNaN(epoch, field)));
    }

    private static Optional<Grid> grid(RunDirectory run, int epoch) throws IOException {
        return run.readFile(RunDirectory.samplesFile(epoch)).map(png -> new Grid(epoch, png));
    }
}
