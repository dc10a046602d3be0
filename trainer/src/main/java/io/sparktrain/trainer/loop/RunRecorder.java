package io.sparktrain.trainer.loop;

import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.sync.Traffic;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Keeps the run directory current: after each epoch its metrics line, then its checkpoint, and a
 * summary at the end. An epoch is complete once its checkpoint exists; a crash between the two
 * leaves a line of an epoch without one, which a resumed run sets aside before it trains that epoch
 * again. The other order would lose the line of a checkpointed epoch for good.
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
        metricLines.add(MetricsLine.toJson(metrics(run.id(), result)));
        run.writeMetrics(metricLines);
        run.writeCheckpoint(result.epoch(), network);
    }

    /** The divergence, as a line of its own: the epoch it happened in never gets a checkpoint or metrics. */
    @Override
    public void onDiverged(TrainingDivergedException divergence) throws IOException {
        metricLines.add(MetricsLine.toJson(divergence.metrics(run.id())));
        run.writeMetrics(metricLines);
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
    }

    static Map<String, Object> metrics(String runId, EpochResult r) {
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
