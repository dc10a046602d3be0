package io.sparktrain.trainer.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/** A network built again the two ways the project's layer classes must survive. */
public final class RebuiltNetworks {
    private RebuiltNetworks() {}

    /** As DL4J's Spark workers build it: from its configuration's JSON, which must name {@code layerClass}. */
    public static ComputationGraph fromJson(ComputationGraph network, Class<?> layerClass) {
        String json = network.getConfiguration().toJson();
        assertTrue(json.contains(layerClass.getName()), "JSON names " + layerClass.getName());
        ComputationGraph rebuilt = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        rebuilt.init();
        return rebuilt;
    }

    /** As a checkpoint restores it, parameters and updater state included. */
    public static ComputationGraph fromCheckpoint(ComputationGraph network) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(network, bytes, true);
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
    }
}
