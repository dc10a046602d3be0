package io.sparktrain.trainer.gan;

import io.sparktrain.trainer.plots.Chart;
import io.sparktrain.trainer.plots.ImageGrid;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps a GAN's run directory current after every epoch: the discriminator's checkpoint, then the
 * adversarial network's (which marks the epoch complete), the fixed-noise sample grid
 * ({@code samples/epoch-NNNN.png}), the metrics line, and both networks' loss curves
 * ({@code losses.png}, every round since the run began).
 */
public final class GanRecorder implements GanListener {
    public static final String DISCRIMINATOR = "discriminator";
    static final String DISCRIMINATOR_ROUNDS = "discriminator_round_losses";
    static final String GENERATOR_ROUNDS = "generator_round_losses";
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
    public void onEpochEnd(GanEpoch epoch, GanNetworks networks) throws IOException {
        run.writeCheckpoint(epoch.epoch(), DISCRIMINATOR, networks.discriminator());
        run.writeCheckpoint(epoch.epoch(), networks.adversarial());
        run.writeFile(samplesFile(epoch.epoch()), ImageGrid.png(epoch.samples(), grid, grid, GanModels.SIDE,
                SAMPLE_SCALE));
        metricLines.add(MetricsLine.toJson(metrics(run.id(), epoch)));
        run.writeMetrics(metricLines);
        run.writeFile("losses.png", lossChart());
    }

    public static String samplesFile(int epoch) {
        return String.format("samples/epoch-%04d.png", epoch);
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
        json.put("real_images_per_second", epoch.samplesPerSecond());
        json.put(DISCRIMINATOR_ROUNDS, epoch.discriminatorRoundLosses());
        json.put(GENERATOR_ROUNDS, epoch.generatorRoundLosses());
        return json;
    }

    /** Every round's losses, placed at its fraction of its epoch. */
    private byte[] lossChart() throws IOException {
        List<double[]> discriminator = new ArrayList<>();
        List<double[]> generator = new ArrayList<>();
        for (String line : metricLines) {
            discriminator.add(MetricsLine.numbersOf(line, DISCRIMINATOR_ROUNDS));
            generator.add(MetricsLine.numbersOf(line, GENERATOR_ROUNDS));
        }
        double[][] d = flatten(discriminator);
        double[][] g = flatten(generator);
        return new Chart("GAN losses per round", "epoch", "loss", false)
                .line("discriminator -[log D(x) + log(1 - D(G(z)))]", d[0], d[1])
                .line("generator -log D(G(z))", g[0], g[1]).png();
    }

    /** x (epoch position) and y of every round, epochs in order. */
    private static double[][] flatten(List<double[]> epochs) {
        int total = epochs.stream().mapToInt(e -> e.length).sum();
        double[][] xy = new double[2][total];
        int i = 0;
        for (int e = 0; e < epochs.size(); e++) {
            double[] rounds = epochs.get(e);
            for (int r = 0; r < rounds.length; r++, i++) {
                xy[0][i] = e + (r + 1.0) / rounds.length;
                xy[1][i] = rounds[r];
            }
        }
        return xy;
    }
}
