package io.sparktrain.trainer.loop;

import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * What {@link Trainer#fit} returns: the trained network (with its updater state), the run
 * directory that holds its checkpoints, and the number of epochs the run has completed.
 */
public record TrainedRun(ComputationGraph network, RunDirectory run, int epochs) {

    /** The run's metrics, one JSON line per completed epoch, as {@code metrics.jsonl} holds them. */
    public List<String> history() throws IOException {
        return run.metricLines(epochs);
    }
}
