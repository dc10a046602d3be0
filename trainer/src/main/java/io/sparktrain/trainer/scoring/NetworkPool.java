package io.sparktrain.trainer.scoring;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The networks of one executor JVM, restored from a broadcast model and kept for the next task.
 * A network's forward pass holds per-call state, so each concurrent task borrows its own; the JVM
 * thus holds as many copies as it runs tasks at once, and restores each once, not once per task.
 * Pools of models no longer scored are dropped when newer ones arrive.
 */
final class NetworkPool {
    private static final int MODELS_KEPT = 4;
    private static final Map<String, Deque<ComputationGraph>> IDLE = new LinkedHashMap<>();

    private NetworkPool() {}

    static ComputationGraph borrow(Broadcast<ScoringModel> model) {
        ScoringModel scoring = model.value();
        synchronized (IDLE) {
            Deque<ComputationGraph> idle = IDLE.get(scoring.key());
            if (idle != null && !idle.isEmpty()) {
                return idle.pop();
            }
        }
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(scoring.network()), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore the broadcast model " + scoring.key(), e);
        }
    }

    static void giveBack(Broadcast<ScoringModel> model, ComputationGraph network) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(model.value().key(), key -> new ArrayDeque<>()).push(network);
            while (IDLE.size() > MODELS_KEPT) {
                IDLE.remove(IDLE.keySet().iterator().next());
            }
        }
    }
}
