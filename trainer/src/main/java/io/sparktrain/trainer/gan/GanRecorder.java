package io.sparktrain.trainer.gan;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparktrain.trainer.loop.TrainingDivergedException;
import io.sparktrain.trainer.plots.ImageGrid;
import io.sparktrain.trainer.report.RunCharts;
import io.sparktrain.trainer.report.RunReport;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a GAN's run directory current after every epoch: the fixed-noise sample grid
 * ({@code samples/epoch-NNNN.png}) and the metrics line, then the discriminator's checkpoint and
 * the adversarial network's (which marks the epoch complete), both networks' loss curves
 * ({@code losses.png}, every round since the run began), the summary of the run so far and the
 * report drawn from all of them. The metrics come before the checkpoint: a crash between them
 * leaves a line that a resumed run sets aside and writes again, where the other order would lose
 * the epoch's line for good.
 */
public final class GanRecorder implements GanListener {
    public static final String DISCRIMINATOR = "discriminator";
    static final String DISCRIMINATOR_ROUNDS = "discriminator_round_losses";
    static final String GENERATOR_ROUNDS = "generator_round_losses";
    static final String CLASSIFIER_SCORE = "classifier_score";
    static final String FRECHET_DISTANCE = "frechet_distance";
    private static final Logger log = LoggerFactory.getLogger(GanRecorder.class);
    /** Each sample is drawn this many screen pixels per image pixel. */
    private static final int SAMPLE_SCALE = 2;

    private final RunDirectory run;
    private final int grid;
    private final List<String> metricLines;

    /** @param earlierLines metric lines of the epochs already completed by a resumed run */
    public GanRecorder(RunDirectory run, int grid, List<String> earlierLines) {
        this.run = run;
        this.grid = grid;
        this.metricLines = new ArrayList<>(earlierLines);
    }

    @Override
    public void onDiverged(TrainingDivergedException divergence) throws IOException {
        metricLines.add(MetricsLine.toJson(divergence.metrics(run.id())));
        run.writeMetrics(metricLines);
        RunReport.redraw(run);
    }

    @Override
    public void onEpochEnd(GanEpoch epoch, GanNetworks networks) throws IOException {
        run.writeFile(RunDirectory.samplesFile(epoch.epoch()), ImageGrid.png(epoch.samples(), grid, grid,
                GanModels.SIDE, SAMPLE_SCALE));
        metricLines.add(MetricsLine.toJson(metrics(run.id(), epoch)));
        run.writeMetrics(metricLines);
        run.writeCheckpoint(epoch.epoch(), DISCRIMINATOR, networks.discriminator());
        run.writeCheckpoint(epoch.epoch(), networks.adversarial());
        List<JsonNode> epochs = new ArrayList<>();
        for (String line : metricLines) {
            epochs.add(MetricsLine.parse(line));
        }
        run.writeFile("losses.png", RunCharts.ganRoundLosses(epochs));
        run.writeSummary(MetricsLine.toJson(summary(run.id(), metricLines)));
        RunReport.redraw(run);
    }

    @Override
    public void onTrainingEnd() throws IOException {
        log.info("GAN training finished; summary.json: {}", MetricsLine.toJson(summary(run.id(), metricLines)));
    }

    static Map<String, Object> metrics(String runId, GanEpoch epoch) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run_id", runId);
        json.put("epoch", epoch.epoch());
        json.put("time", Instant.now().toString());
        json.put("discriminator_loss", epoch.discriminatorLoss());
        json.put("generator_loss", epoch.generatorLoss());
        json.put("discriminator_accuracy", epoch.discriminatorAccuracy());
        json.put("discriminator_accuracy_real", epoch.discriminatorAccuracyReal());
        json.put("discriminator_accuracy_fake", epoch.discriminatorAccuracyFake());
        json.put("real_examples", epoch.realExamples());
        json.put("seconds", epoch.seconds());
        json.put("train_seconds", epoch.trainSeconds());
        json.put("real_images_per_second", epoch.samplesPerSecond());
        json.put("bytes_per_step", epoch.bytesPerStep());
        epoch.quality().ifPresent(quality -> {
            json.put(CLASSIFIER_SCORE, quality.classifierScore());
            json.put(FRECHET_DISTANCE, quality.frechetDistance());
        });
        json.put(DISCRIMINATOR_ROUNDS, epoch.discriminatorRoundLosses());
        json.put(GENERATOR_ROUNDS, epoch.generatorRoundLosses());
        return json;
    }

    /**
     * The run from its first epoch to its last: time, real images, the last epoch's figures, and
     * the epochs whose samples the classifier judged best (highest score, lowest distance).
     */
    static Map<String, Object> summary(String runId, List<String> lines) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run_id", runId);
        json.put("epochs", lines.size());
        double seconds = 0;
        double examples = 0;
        for (String line : lines) {
            seconds += MetricsLine.numberOf(line, "seconds");
            examples += MetricsLine.numberOf(line, "real_examples");
        }
        json.put("seconds", seconds);
        json.put("real_examples", (long) examples);
        String last = lines.get(lines.size() - 1);
        for (String field : List.of("discriminator_loss", "generator_loss", "discriminator_accuracy",
                CLASSIFIER_SCORE, FRECHET_DISTANCE)) {
            OptionalDouble value = MetricsLine.optionalNumberOf(last, field);
            if (value.isPresent()) {
                json.put(field, value.getAsDouble());
            }
        }
        best(lines, CLASSIFIER_SCORE, 1).ifPresent(best -> {
            json.put("best_classifier_score", best.value());
            json.put("best_classifier_score_epoch", best.epoch());
        });
        best(lines, FRECHET_DISTANCE, -1).ifPresent(best -> {
            json.put("lowest_frechet_distance", best.value());
            json.put("lowest_frechet_distance_epoch", best.epoch());
        });
        return json;
    }

    private record Best(int epoch, double value) {}

    /** The epoch whose {@code field} times {@code sign} is highest, among those recording it. */
    private static Optional<Best> best(List<String> lines, String field, int sign) throws IOException {
        Optional<Best> best = Optional.empty();
        for (String line : lines) {
            OptionalDouble value = MetricsLine.optionalNumberOf(line, field);
            if (value.isPresent() && (best.isEmpty() || sign * value.getAsDouble() > sign * best.get().value())) {
                best = Optional.of(new Best((int) MetricsLine.numberOf(line, "epoch"), value.getAsDouble()));
            }
        }
        return best;
    }
}
