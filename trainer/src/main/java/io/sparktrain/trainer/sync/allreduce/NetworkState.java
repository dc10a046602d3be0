package io.sparktrain.trainer.sync.allreduce;

import java.io.Serializable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network as a barrier stage ships it: configuration, parameters, optimizer state (none for
 * plain SGD) and the counts its learning-rate schedules and Adam's bias correction read.
 */
public record NetworkState(String configurationJson, INDArray params, INDArray updaterState, int iterations,
        int epochs) implements Serializable {

    /** The state of {@code network}, sharing its arrays: ship it before the network changes again. */
    public static NetworkState of(ComputationGraph network) {
        ComputationGraphConfiguration configuration = network.getConfiguration();
        return new NetworkState(configuration.toJson(), network.params(), network.getUpdater().getStateViewArray(),
                configuration.getIterationCount(), configuration.getEpochCount());
    }

    /** A worker's own network in this state. */
    public ComputationGraph build() {
        ComputationGraphConfiguration configuration = ComputationGraphConfiguration.fromJson(configurationJson);
        configuration.setIterationCount(iterations);
        configuration.setEpochCount(epochs);
        ComputationGraph network = new ComputationGraph(configuration);
        // Cloned: in local mode a broadcast value is the driver's own array.
        network.init(params, true);
        if (updaterState != null) {
            network.getUpdater().getStateViewArray().assign(updaterState);
        }
        return network;
    }

    /** Brings the driver's {@code network} to this state's parameters, optimizer state and iteration count. */
    public void applyTo(ComputationGraph network) {
        network.setParams(params);
        if (updaterState != null) {
            network.getUpdater().getStateViewArray().assign(updaterState);
        }
        network.getConfiguration().setIterationCount(iterations);
    }
}
