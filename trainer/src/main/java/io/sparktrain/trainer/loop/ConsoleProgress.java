package io.sparktrain.trainer.loop;

import io.sparktrain.trainer.sync.Traffic;
import java.util.Locale;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Progress a person can watch: per report, epoch, batch, throughput, loss and time left. */
public final class ConsoleProgress implements TrainingListener {
    private static final Logger log = LoggerFactory.getLogger("io.sparktrain.progress");

    @Override
    public void onProgress(Progress p) {
        log.info(String.format(Locale.ROOT, "epoch %d/%d  batch %d/%d  %.0f samples/s  loss %.4f  epoch ETA %s",
                p.epoch(), p.epochs(), p.batches(), p.totalBatches(), p.samplesPerSecond(), p.loss(),
                duration(p.epochSecondsLeft())));
    }

    @Override
    public void onEpochEnd(EpochResult r, ComputationGraph network) {
        Evaluation e = r.evaluation();
        log.info(String.format(Locale.ROOT,
                "epoch %d/%d done in %s: train loss %.4f, %.0f samples/s; test accuracy %.2f%% "
                        + "(macro F1 %.4f) on %d examples, evaluated in %s",
                r.epoch(), r.epochs(), duration(r.trainSeconds()), r.trainLoss(), r.samplesPerSecond(),
                100 * e.accuracy(), e.f1(), e.getNumRowCounter(), duration(r.evalSeconds())));
        Traffic t = r.traffic();
        if (Double.isFinite(t.meanThreshold())) {
            log.info(String.format(Locale.ROOT,
                    "epoch %d/%d gradient sharing: %s sent per worker step (parameter averaging would send %s); "
                            + "mean threshold %.2e, mean sparsity %.2e, dense steps %.1f%%",
                    r.epoch(), r.epochs(), bytes(t.bytesPerStep()), bytes(t.averagingBytesPerStep()),
                    t.meanThreshold(), t.meanSparsity(), 100 * t.denseFraction()));
        } else {
            log.info(String.format(Locale.ROOT, "epoch %d/%d %s: %s per worker step", r.epoch(), r.epochs(),
                    r.strategy().replace('-', ' '), bytes(t.bytesPerStep())));
        }
    }

    static String bytes(double bytes) {
        if (!Double.isFinite(bytes)) {
            return "?";
        }
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MiB", bytes / (1 << 20))
                : bytes >= 1 << 10 ? String.format(Locale.ROOT, "%.1f KiB", bytes / (1 << 10))
                : String.format(Locale.ROOT, "%.0f B", bytes);
    }

    @Override
    public void onTrainingEnd(TrainingSummary s) {
        log.info(String.format(Locale.ROOT,
                "training finished: epochs %d-%d with %s on %d workers; %d examples in %s (%.0f samples/s); "
                        + "final test accuracy %.2f%%, best %.2f%% at epoch %d",
                s.firstEpoch(), s.lastEpoch(), s.strategy(), s.workers(), s.trainExamples(),
                duration(s.trainSeconds()), s.samplesPerSecond(), 100 * s.finalAccuracy(), 100 * s.bestAccuracy(),
                s.bestEpoch()));
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
