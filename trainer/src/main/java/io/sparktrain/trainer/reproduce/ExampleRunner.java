package io.sparktrain.trainer.reproduce;

import io.sparktrain.datasets.tables.Table;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.TableTraining;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.tables.TableSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains and measures one example: a table in this JVM, a Spark dataset as the train job does.
 */
public final class ExampleRunner {
    private ExampleRunner() {}

    /** Runs a table example; a Spark dataset example needs {@link #run(Example, SparkTraining)}. */
    public static ExampleResult run(Example example) throws IOException {
        return run(example, config -> {
            throw new IllegalStateException(example.file() + ": trains on " + config.data().dataset()
                    + ", which needs Spark");
        });
    }

    public static ExampleResult run(Example example, SparkTraining spark) throws IOException {
        ExampleRun run = example.onTable() ? onTable(example) : onDataset(example, spark);
        List<ExampleResult.Row> rows = new ArrayList<>();
        for (Check check : example.checks()) {
            rows.add(new ExampleResult.Row(check, measure(example, check, run)));
        }
        return new ExampleResult(run, rows);
    }

    private static ExampleRun onTable(Example example) throws IOException {
        TrainConfig config = example.config();
        Table table = TableSource.load(config.data());
        ComputationGraph network = ModelSpec.of(config.model(), 1, 1, table.featureColumns(), table.labelColumns())
                .newNetwork(config.model().architecture());
        setParameters(example, network);
        if (!example.train()) {
            return ExampleRun.untrained(example, network, table);
        }
        long start = System.nanoTime();
        double[] losses = new TableTraining(config.training().epochs(), config.training().batchSizePerWorker(),
                config.data().shuffleSeed()).fit(network, table);
        return ExampleRun.onTable(example, network, table, losses, (System.nanoTime() - start) / 1e9);
    }

    private static ExampleRun onDataset(Example example, SparkTraining spark) throws IOException {
        long start = System.nanoTime();
        SparkTraining.Trained trained = spark.train(example.config());
        return ExampleRun.onDataset(example, trained, (System.nanoTime() - start) / 1e9);
    }

    private static double[] measure(Example example, Check check, ExampleRun run) {
        try {
            return check.metric().measure(check, run);
        } catch (RuntimeException e) {
            throw new InvalidConfigException(example.file() + ": check '" + check.describe() + "' cannot be measured "
                    + "on this network: " + e.getMessage());
        }
    }

    private static void setParameters(Example example, ComputationGraph network) {
        for (Map.Entry<String, double[][]> entry : example.parameters().entrySet()) {
            INDArray current = network.paramTable().get(entry.getKey());
            if (current == null) {
                throw new InvalidConfigException(example.file() + ": reproduce.parameters." + entry.getKey()
                        + ": the network has no such parameter; it has " + network.paramTable().keySet());
            }
            INDArray value = Nd4j.create(entry.getValue()).castTo(current.dataType());
            if (current.rank() == 1 && value.rows() == 1) {
                value = value.reshape(current.shape()); // a bias vector, written as one row
            }
            if (!Arrays.equals(value.shape(), current.shape())) {
                throw new InvalidConfigException(example.file() + ": reproduce.parameters." + entry.getKey()
                        + " has shape " + Arrays.toString(value.shape()) + ", the network's is "
                        + Arrays.toString(current.shape()));
            }
            network.setParam(entry.getKey(), value);
        }
    }
}
