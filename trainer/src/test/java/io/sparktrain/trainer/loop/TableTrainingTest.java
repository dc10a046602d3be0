package io.sparktrain.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparktrain.datasets.tables.Table;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.model.ModelSpec;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

class TableTrainingTest {
    private static ComputationGraph linearUnit(String settings) {
        return ModelSpec.of(ConfigLoader.parse("model { architecture = mlp, output-activation = identity, loss = mse, "
                + settings + " }", "test", List.of()).model(), 1, 1, 1, 1).newNetwork("mlp");
    }

    /** Full-batch training must be textbook gradient descent on the mean squared error, step for step. */
    @Test
    void fullBatchTrainingIsGradientDescent() {
        Table table = new Table("t", new double[][] {{1}, {2}, {3}}, new double[][] {{2}, {4}, {6}});
        ComputationGraph network = linearUnit("weight-init = zero, updater = sgd, learning-rate = 0.01");
        double[] losses = new TableTraining(2001, 3, 1).fit(network, table);

        double w = 0;
        double b = 0;
        double[] expectedLosses = new double[2001];
        for (int step = 0; step < 2001; step++) {
            double gw = 0;
            double gb = 0;
            double loss = 0;
            for (int i = 0; i < 3; i++) {
                double x = i + 1;
                double error = w * x + b - 2 * x;
                loss += error * error / 3;
                gw += 2 * error * x / 3;
                gb += 2 * error / 3;
            }
            expectedLosses[step] = loss;
            w -= 0.01 * gw;
            b -= 0.01 * gb;
        }
        assertEquals(w, network.getParam("output_W").getDouble(0), 1e-4);
        assertEquals(b, network.getParam("output_b").getDouble(0), 1e-4);
        for (int step : new int[] {0, 1, 100, 2000}) {
            assertEquals(expectedLosses[step], losses[step], 1e-4 * expectedLosses[step] + 1e-7, "step " + step);
        }
        // The course's figures for this example follow from the same arithmetic.
        assertEquals(1.997, w, 5e-4);
        assertEquals(0.006, b, 5e-4);
    }

    @Test
    void minibatchesVisitEveryRowInASeededOrderPerEpoch() {
        Table table = new Table("t", new double[][] {{1}, {2}, {3}, {4}, {5}}, new double[][] {{1}, {2}, {3}, {4}, {5}});
        String sgd = "weight-init = zero, updater = sgd, learning-rate = 0.001";
        double[] first = new TableTraining(3, 2, 7).fit(linearUnit(sgd), table);
        assertEquals(9, first.length, "3 epochs of 3 minibatches (2 + 2 + 1 rows)");
        assertArrayEquals(first, new TableTraining(3, 2, 7).fit(linearUnit(sgd), table));
        assertFalse(Arrays.equals(first, new TableTraining(3, 2, 8).fit(linearUnit(sgd), table)));
    }
}
