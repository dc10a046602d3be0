package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalization's running mean and variance, re-estimated from training minibatches
 * ("precise batch normalization", Wu and Johnson 2021): the mean and variance of each channel of
 * every normalization layer's input, over a sample of minibatches read and passed forward in
 * training mode on the executors, so that every layer sees the inputs it sees in training. For
 * strategies whose training leaves the running statistics stale.
 */
public final class RunningStatistics {
    /** A channel's variance is never set below this: the stored log10 of its deviation must stay finite. */
    private static final double MIN_VARIANCE = 1e-12;

    private RunningStatistics() {}

    /** The batch normalization layers of {@code network}, by name, in topological order. */
    static List<String> layers(ComputationGraph network) {
        List<String> names = new ArrayList<>();
        for (int index : network.topologicalSortOrder()) {
            GraphVertex vertex = network.getVertices()[index];
            if (vertex.hasLayer() && vertex.getLayer().conf().getLayer() instanceof BatchNormalization) {
                names.add(vertex.getVertexName());
            }
        }
        return names;
    }

    /**
     * Sets the running statistics of every batch normalization layer of {@code network} to those
     * of its inputs over the minibatches at {@code paths}, read through {@code loader} in
     * {@code partitions} Spark tasks. Does nothing for a network without batch normalization.
     */
    public static void reestimate(JavaSparkContext sc, ComputationGraph network, List<String> paths,
            DataSetLoader loader, int partitions) {
        List<String> layers = layers(network);
        if (layers.isEmpty() || paths.isEmpty()) {
            return;
        }
        Broadcast<Snapshot> snapshot = sc.broadcast(new Snapshot(network.getConfiguration().toJson(),
                network.params().dup(), layers));
        Storage storage = new Storage(sc.hadoopConfiguration());
        Moments total = sc.parallelize(paths, Math.min(partitions, paths.size()))
                .mapPartitions((Iterator<String> batches) -> List.of(
                        Moments.of(snapshot.value(), storage, batches, loader)).iterator())
                .reduce(Moments::merge);
        snapshot.destroy(false);
        total.writeTo(network);
    }

    /** What an executor needs to rebuild the driver's network. */
    private record Snapshot(String configurationJson, INDArray params, List<String> layers) implements Serializable {}

    /** Per-channel sums of the inputs of each normalization layer and of their squares, in double precision. */
    static final class Moments implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Map<String, double[]> sums = new LinkedHashMap<>();
        private final Map<String, double[]> squareSums = new LinkedHashMap<>();
        private final Map<String, Long> counts = new LinkedHashMap<>();

        static Moments of(Snapshot snapshot, Storage storage, Iterator<String> paths, DataSetLoader loader)
                throws IOException {
            ComputationGraph network = new ComputationGraph(
                    ComputationGraphConfiguration.fromJson(snapshot.configurationJson()));
            network.init(snapshot.params(), false);
            Moments moments = new Moments();
            while (paths.hasNext()) {
                DataSet batch = ShardSet.read(storage, paths.next(), loader);
                moments.add(network, snapshot.layers(), batch.getFeatures());
            }
            return moments;
        }

        /** Adds the inputs of {@code layers} for {@code features}, passed forward in training mode. */
        void add(ComputationGraph network, List<String> layers, INDArray features) {
            Map<String, INDArray> activations = network.feedForward(features, true);
            for (String layer : layers) {
                String source = network.getConfiguration().getVertexInputs().get(layer).get(0);
                INDArray input = activations.get(source).castTo(DataType.DOUBLE);
                int channelAxis = channelAxis(network, layer, input.rank());
                int[] otherAxes = new int[input.rank() - 1];
                for (int axis = 0, i = 0; axis < input.rank(); axis++) {
                    if (axis != channelAxis) {
                        otherAxes[i++] = axis;
                    }
                }
                accumulate(sums, layer, input.sum(otherAxes).toDoubleVector());
                accumulate(squareSums, layer, input.mul(input).sum(otherAxes).toDoubleVector());
                counts.merge(layer, input.length() / input.size(channelAxis), Long::sum);
            }
        }

        private static int channelAxis(ComputationGraph network, String layer, int rank) {
            if (rank == 2) {
                return 1;
            }
            BatchNormalization conf = (BatchNormalization) network.getLayer(layer).conf().getLayer();
            return rank == 4 && conf.getCnn2DFormat() == CNN2DFormat.NHWC ? 3 : 1;
        }

        private static void accumulate(Map<String, double[]> into, String layer, double[] values) {
            into.merge(layer, values, (a, b) -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] += b[i];
                }
                return a;
            });
        }

        static Moments merge(Moments a, Moments b) {
            b.sums.forEach((layer, values) -> accumulate(a.sums, layer, values));
            b.squareSums.forEach((layer, values) -> accumulate(a.squareSums, layer, values));
            b.counts.forEach((layer, n) -> a.counts.merge(layer, n, Long::sum));
            return a;
        }

        /** Sets each layer's running mean and variance (or log10 deviation, as the layer stores it). */
        void writeTo(ComputationGraph network) {
            for (String layer : counts.keySet()) {
                double n = counts.get(layer);
                double[] mean = sums.get(layer).clone();
                double[] variance = squareSums.get(layer).clone();
                for (int c = 0; c < mean.length; c++) {
                    mean[c] /= n;
                    variance[c] = Math.max(MIN_VARIANCE, variance[c] / n - mean[c] * mean[c]);
                }
                Layer normalization = network.getLayer(layer);
                assign(normalization.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN), mean);
                if (((BatchNormalization) normalization.conf().getLayer()).isUseLogStd()) {
                    double[] log10Std = new double[variance.length];
                    for (int c = 0; c < log10Std.length; c++) {
                        log10Std[c] = 0.5 * Math.log10(variance[c]);
                    }
                    assign(normalization.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD), log10Std);
                } else {
                    assign(normalization.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR), variance);
                }
            }
        }

        /** In place: the layer's parameters are views of the network's. */
        private static void assign(INDArray parameter, double[] values) {
            parameter.assign(Nd4j.create(values).reshape(parameter.shape()).castTo(parameter.dataType()));
        }
    }
}
