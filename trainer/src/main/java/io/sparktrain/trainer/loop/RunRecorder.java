package io.sparktrain.trainer.loop;

import io.sparktrain.trainer.report.RunReport;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.sync.Traffic;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Keeps the run directory current: after each epoch its metrics line, then its checkpoint, then the
 * report drawn from them; a summary and the final report at the end. An epoch is complete once its
 * checkpoint exists; a crash between the two leaves a line of an epoch without one, which a resumed
 * run sets aside before it trains that epoch again. The other order would lose the line of a
 * checkpointed epoch for good.
 */
public final class RunRecorder implements TrainingListener {
    private final RunDirectory run;
    private final List<String> metricLines;

    /** @param earlierLines metric lines of epochs already completed by the run being resumed */
    public RunRecorder(RunDirectory run, List<String> earlierLines) {
        this.run = run;
        this.metricLines = new ArrayList<>(earlierLines);
    }

    @Override
    public void onEpochEnd(EpochResult result, ComputationGraph network) throws IOException {
        metricLines.add(MetricsLine.toJson(metrics(run.id(), result, learningRate(network, result.epoch()))));
        run.writeMetrics(metricLines);
        run.writeCheckpoint(result.epoch(), network);
        RunReport.redraw(run);
    }

    /** The divergence, as a line of its own: the epoch it happened in never gets a checkpoint or metrics. */
    @Override
    public void onDiverged(TrainingDivergedException divergence) throws IOException {
        metricLines.add(MetricsLine.toJson(divergence.metrics(run.id())));
        run.writeMetrics(metricLines);
        RunReport.redraw(run);
    }

    @Override
    public void onTrainingEnd(TrainingSummary summary) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run_id", run.id());
        json.put("strategy", summary.strategy());
        json.put("workers", summary.workers());
        json.put("first_epoch", summary.firstEpoch());
        json.put("last_epoch", summary.lastEpoch());
        json.put("train_examples", summary.trainExamples());
        json.put("train_seconds", summary.trainSeconds());
        json.put("samples_per_second", summary.samplesPerSecond());
        json.put("final_test_accuracy", summary.finalAccuracy());
        json.put("best_test_accuracy", summary.bestAccuracy());
        json.put("best_epoch", summary.bestEpoch());
        run.writeSummary(MetricsLine.toJson(json) + "\n");
        RunReport.redraw(run);
    }

    /**
     * The learning rate epoch {@code epoch} trained with: the updater schedule of the network's
     * first trainable layer (every layer shares the config's optimizer), at that epoch.
     */
    static double learningRate(ComputationGraph network, int epoch) {
        for (Layer layer : network.getLayers()) {
            for (String parameter : layer.paramTable().keySet()) {
                IUpdater updater = layer.conf().getLayer().getUpdaterByParam(parameter);
                if (updater != null) {
                    return updater.getLearningRate(network.getIterationCount(), epoch - 1);
                }
            }
        }
        return Double.NaN;
    }

    static Map<String, Object> metrics(String runId, EpochResult r, double learningRate) {
        Evaluation e = r.evaluation();
        ConfusionMatrix<Integer> matrix = e.getConfusion();
        int classes = matrix.getClasses().size();
        double[] precision = new double[classes];
        double[] recall = new double[classes];
        double[] f1 = new double[classes];
        long[][] confusion = new long[classes][classes];
        for (int c = 0; c < classes; c++) {
            precision[c] = e.precision(c);
            recall[c] = e.recall(c);
            f1[c] = e.f1(c);
            for (int predicted = 0; predicted < classes; predicted++) {
                confusion[c][predicted] = matrix.getCount(c, predicted);
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run_id", runId);
        json.put("epoch", r.epoch());
        json.put("time", java.time.Instant.now().toString());
        json.put("strategy", r.strategy());
        json.put("workers", r.workers());
        json.put("learning_rate", finiteOrNull(learningRate));
        json.put("train_loss", r.trainLoss());
        json.put("train_examples", r.trainExamples());
        json.put("train_seconds", r.trainSeconds());
        json.put("samples_per_second", r.samplesPerSecond());
        json.put("eval_seconds", r.evalSeconds());
        json.put("test_examples", e.getNumRowCounter());
        json.put("test_accuracy", e.accuracy());
        json.put("test_macro_f1", e.f1());
        json.put("precision", precision);
        json.put("recall", recall);
        json.put("f1", f1);
        json.put("confusion_matrix", confusion);
        Traffic t = r.traffic();
        json.put("worker_steps", t.workerSteps());
        json.put("bytes_per_step", finiteOrNull(t.bytesPerStep()));
        json.put("averaging_bytes_per_step", finiteOrNull(t.averagingBytesPerStep()));
        json.put("mean_threshold", finiteOrNull(t.meanThreshold()));
        json.put("mean_sparsity", finiteOrNull(t.meanSparsity()));
        json.put("dense_step_fraction", finiteOrNull(t.denseFraction()));
        return json;
    }

    /** JSON has no NaN: a figure that does not apply to the strategy is null. */
    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
