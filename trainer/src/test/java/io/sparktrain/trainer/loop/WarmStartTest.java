package io.sparktrain.trainer.loop;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.model.ModelSpec;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class WarmStartTest {
    private static ComputationGraph lenet(String updater, long seed) {
        return ModelSpec.of(ConfigLoader.parse("model { updater = " + updater + ", seed = " + seed + " }", "test",
                List.of()).model(), 1, 28, 28, 10).newNetwork("lenet");
    }

    /** A network that has taken a step, so its Adam moments are not zero. */
    private static ComputationGraph trained() {
        ComputationGraph network = lenet("adam", 1);
        Nd4j.getRandom().setSeed(3);
        network.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 8, 784), Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7)));
        return network;
    }

    @Test
    void takesTheParametersAndTheOptimizerStateOnlyWhenAsked() {
        ComputationGraph from = trained();
        ComputationGraph fresh = lenet("adam", 2);
        new WarmStart(from, false).applyTo(fresh, "lenet");
        assertBitwiseEqual(from.params(), fresh.params(), "parameters");
        assertEquals(0.0, fresh.getUpdater().getStateViewArray().norm1Number().doubleValue(),
                "the optimizer starts afresh");

        ComputationGraph continuing = lenet("adam", 2);
        new WarmStart(from, true).applyTo(continuing, "lenet");
        assertBitwiseEqual(from.getUpdater().getStateViewArray(), continuing.getUpdater().getStateViewArray(),
                "Adam's moments");
    }

    @Test
    void refusesANetworkOfAnotherShapeOrOptimizer() {
        ComputationGraph from = trained();
        ComputationGraph mlp = ModelSpec.of(ConfigLoader.parse("model.architecture = mlp\nmodel.hidden-layers = [16]",
                "test", List.of()).model(), 1, 28, 28, 10).newNetwork("mlp");
        InvalidConfigException shape = assertThrows(InvalidConfigException.class,
                () -> WarmStart.parametersOf(from).applyTo(mlp, "mlp"));
        assertTrue(shape.getMessage().contains("model.architecture = mlp"), shape.getMessage());
        InvalidConfigException optimizer = assertThrows(InvalidConfigException.class,
                () -> new WarmStart(from, true).applyTo(lenet("sgd", 2), "lenet"));
        assertTrue(optimizer.getMessage().contains("model.updater"), optimizer.getMessage());
    }
}
