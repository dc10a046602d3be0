package io.sparktrain.datasets.tables;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small dataset held in memory, one row of features and one row of labels per example: the
 * tables of the classic course examples, a CSV file, or generated points.
 */
public record Table(String source, double[][] features, double[][] labels) {
    public Table {
        if (features.length == 0) {
            throw new IllegalArgumentException(source + ": no examples");
        }
        if (features.length != labels.length) {
            throw new IllegalArgumentException(source + ": " + features.length + " rows of features but "
                    + labels.length + " rows of labels");
        }
        features = copy(source, "features", features);
        labels = copy(source, "labels", labels);
    }

    public int rows() {
        return features.length;
    }

    public int featureColumns() {
        return features[0].length;
    }

    public int labelColumns() {
        return labels[0].length;
    }

    /** The whole table as one float32 minibatch. */
    public DataSet toDataSet() {
        return new DataSet(Nd4j.create(features).castTo(DataType.FLOAT), Nd4j.create(labels).castTo(DataType.FLOAT));
    }

    private static double[][] copy(String source, String what, double[][] rows) {
        double[][] copy = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length == 0 || rows[i].length != rows[0].length) {
                throw new IllegalArgumentException(source + ": " + what + " row " + (i + 1) + " has " + rows[i].length
                        + " values, expected " + rows[0].length + " like row 1 (and at least one)");
            }
            for (double value : rows[i]) {
                if (!Double.isFinite(value)) {
                    throw new IllegalArgumentException(source + ": " + what + " row " + (i + 1) + " holds " + value);
                }
            }
            copy[i] = rows[i].clone();
        }
        return copy;
    }

    @Override
    public double[][] features() {
        return Arrays.stream(features).map(double[]::clone).toArray(double[][]::new);
    }

    @Override
    public double[][] labels() {
        return Arrays.stream(labels).map(double[]::clone).toArray(double[][]::new);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Table that && source.equals(that.source) && Arrays.deepEquals(features, that.features)
                && Arrays.deepEquals(labels, that.labels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * source.hashCode() + Arrays.deepHashCode(features)) + Arrays.deepHashCode(labels);
    }

    @Override
    public String toString() {
        return "Table(" + source + ", " + rows() + " rows, " + featureColumns() + " features, " + labelColumns()
                + " labels)";
    }
}
