package io.sparktrain.trainer.reproduce;

import io.sparktrain.datasets.tables.Table;
import io.sparktrain.trainer.loop.TableTraining;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * An example after training: its network; on a table the table and the loss of every step; on a
 * Spark dataset the test accuracy of every epoch and the run's directory; for both the mean loss of
 * every epoch and the training time.
 */
public record ExampleRun(Example example, ComputationGraph network, Optional<Table> table, double[] stepLosses,
        double[] epochLosses, double[] testAccuracies, String runDirectory, double seconds) {

    static ExampleRun onTable(Example example, ComputationGraph network, Table table, double[] stepLosses,
            double seconds) {
        int steps = TableTraining.stepsPerEpoch(table.rows(), example.config().training().batchSizePerWorker());
        double[] epochLosses = new double[stepLosses.length / steps];
        for (int e = 0; e < epochLosses.length; e++) {
            for (int s = 0; s < steps; s++) {
                epochLosses[e] += stepLosses[e * steps + s] / steps;
            }
        }
        return new ExampleRun(example, network, Optional.of(table), stepLosses, epochLosses, new double[0], "",
                seconds);
    }

    /** A network evaluated as the example sets it: its loss on the whole table stands for step and epoch. */
    static ExampleRun untrained(Example example, ComputationGraph network, Table table) {
        double[] loss = {network.score(table.toDataSet())};
        return new ExampleRun(example, network, Optional.of(table), loss, loss, new double[0], "", 0);
    }

    static ExampleRun onDataset(Example example, SparkTraining.Trained trained, double seconds) {
        return new ExampleRun(example, trained.network(), Optional.empty(), new double[0], trained.epochLosses(),
                trained.testAccuracies(), trained.runDirectory(), seconds);
    }

    /** The loss the course prints last: a table's last step's, a dataset's last epoch's mean. */
    double finalLoss() {
        double[] losses = table.isPresent() ? stepLosses : epochLosses;
        return losses[losses.length - 1];
    }

    /** The table, for what only a table example has; {@link Example} refuses such checks on datasets. */
    Table requireTable() {
        return table.orElseThrow(() -> new IllegalArgumentException("data.dataset = "
                + example.config().data().dataset() + " is not a table"));
    }
}
