package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.tables.Table;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Trains a network on a small table in this JVM ({@code sync.strategy = single-machine}): every
 * epoch is one pass over the rows in minibatches of {@code batchSize}, in a seeded order of its own;
 * a batch size of at least the row count is full-batch gradient descent, one step per epoch. The
 * loss of every step is kept, computed on the step's minibatch before its update, as the course's
 * programs print it.
 */
public final class TableTraining {
    private final int epochs;
    private final int batchSize;
    private final long shuffleSeed;

    public TableTraining(int epochs, int batchSize, long shuffleSeed) {
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.shuffleSeed = shuffleSeed;
    }

    /** Trains {@code network} in place; returns the loss of every step. */
    public double[] fit(ComputationGraph network, Table table) {
        DataSet all = table.toDataSet();
        int rows = table.rows();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            order.add(i);
        }
        double[] losses = new double[epochs * stepsPerEpoch(rows, batchSize)];
        int step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            network.getConfiguration().setEpochCount(epoch);
            if (batchSize < rows) {
                Collections.shuffle(order, new Random(shuffleSeed * 1_000_003L + epoch));
            }
            for (int start = 0; start < rows; start += batchSize) {
                List<Integer> batch = order.subList(start, Math.min(rows, start + batchSize));
                DataSet minibatch = batch.size() == rows ? all : rowsOf(all, batch);
                network.fit(minibatch);
                losses[step++] = network.score();
            }
        }
        network.getConfiguration().setEpochCount(epochs);
        return losses;
    }

    /** Minibatches in an epoch over {@code rows} rows; the last takes what is left. */
    public static int stepsPerEpoch(int rows, int batchSize) {
        return (rows + batchSize - 1) / batchSize;
    }

    /** The rows of step {@code step}, counted from 0 over the whole run. */
    public static int rowsInStep(int step, int rows, int batchSize) {
        int first = step % stepsPerEpoch(rows, batchSize) * batchSize;
        return Math.min(batchSize, rows - first);
    }

    private static DataSet rowsOf(DataSet all, List<Integer> rows) {
        int[] indices = rows.stream().mapToInt(Integer::intValue).toArray();
        return new DataSet(all.getFeatures().getRows(indices), all.getLabels().getRows(indices));
    }
}
