package io.sparktrain.trainer.loop;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Training produced a loss that is not finite. Thrown at the end of the round that produced it, so
 * nothing diverged is checkpointed; the message names the epoch, the minibatch and what to change.
 */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch;
    private final int batch;
    private final double loss;

    public TrainingDivergedException(int epoch, int batch, double loss) {
        super(String.format(Locale.ROOT, "Training diverged in epoch %d: the loss was %s after minibatch %d. Lower "
                + "model.learning-rate (or bound the steps with model.gradient-clipping) and start a new run: "
                + "resumed, this run would take the same steps again", epoch, loss, batch));
        this.epoch = epoch;
        this.batch = batch;
        this.loss = loss;
    }

    /** The line {@code metrics.jsonl} keeps of the divergence, in place of the epoch's metrics. */
    public Map<String, Object> metrics(String runId) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run_id", runId);
        json.put("epoch", epoch);
        json.put("time", Instant.now().toString());
        json.put("diverged", true);
        json.put("batch", batch);
        json.put("train_loss", loss);
        return json;
    }

    public int epoch() {
        return epoch;
    }

    /** The minibatch of the epoch (1-based) after which the loss was found not finite. */
    public int batch() {
        return batch;
    }

    public double loss() {
        return loss;
    }
}
