package io.sparktrain.trainer.loop;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a new run starts from instead of the config's initialization: an earlier network's
 * parameters, and by choice its optimizer's state (Adam's moments, say). Without the state the
 * optimizer starts afresh, as fine-tuning at a new learning rate usually wants.
 */
public record WarmStart(ComputationGraph from, boolean withOptimizerState) {
    private static final Logger log = LoggerFactory.getLogger(WarmStart.class);

    public static WarmStart parametersOf(ComputationGraph from) {
        return new WarmStart(from, false);
    }

    /** Copies into {@code network}, built from the config, what this warm start takes; refuses another shape. */
    void applyTo(ComputationGraph network, String architecture) {
        Map<String, String> expected = shapes(network);
        Map<String, String> given = shapes(from);
        if (!expected.equals(given)) {
            throw new InvalidConfigException("the initial model's parameters " + given + " do not fit "
                    + ConfigSchema.ARCHITECTURE.key() + " = " + architecture + " on this data, which has " + expected);
        }
        network.setParams(from.params());
        if (withOptimizerState) {
            INDArray state = network.getUpdater().getStateViewArray();
            INDArray kept = from.getUpdater() == null ? null : from.getUpdater().getStateViewArray();
            if (state == null || kept == null || state.length() != kept.length()) {
                throw new InvalidConfigException("the initial model's optimizer state ("
                        + (kept == null ? "none" : kept.length() + " values") + ") does not fit "
                        + ConfigSchema.UPDATER.key() + "'s (" + (state == null ? "none" : state.length() + " values")
                        + "); start with its parameters only");
            }
            state.assign(kept);
        }
        log.info("Warm start: {} parameters{} taken from the initial model", network.numParams(),
                withOptimizerState ? " and the optimizer's state" : "");
    }

    private static Map<String, String> shapes(ComputationGraph network) {
        Map<String, String> shapes = new TreeMap<>();
        network.paramTable().forEach((name, values) -> shapes.put(name, Arrays.toString(values.shape())));
        return shapes;
    }
}
