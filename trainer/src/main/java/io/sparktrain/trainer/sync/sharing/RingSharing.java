package io.sparktrain.trainer.sync.sharing;

import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.sync.allreduce.RingAllreduce;
import io.sparktrain.trainer.sync.allreduce.StepExchange;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.solvers.accumulation.EncodingHandler;
import org.deeplearning4j.optimize.solvers.accumulation.GradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.IndexedTail;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.compression.ThresholdCompression;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Gradient sharing (Strom 2015) among the workers of a barrier stage, for networks that DL4J's
 * Aeron mesh cannot carry: it holds one network per JVM, and a GAN trains two. DL4J's optimizer
 * hands every step's update, after the updater, to this accumulator, as it hands it to DL4J's own
 * in gradient sharing: the update joins the worker's residual, DL4J's {@link EncodingHandler}
 * encodes the components above the threshold (threshold or bitmap encoding, with the
 * {@code sync.sharing.*} threshold algorithm and residual clipping) and leaves the rest in the
 * residual, and the workers' encoded messages are gathered over the ring. Every worker applies the
 * sum of all of them in rank order, so the replicas stay equal bit for bit: DL4J's scheme, with
 * each step's exchange synchronous instead of asynchronous.
 *
 * <p>Batch normalization's running mean and variance travel the same path but are not updates:
 * encoded, they would move by at most the threshold per step and go stale. They are sent as they
 * are and averaged, weighted by each worker's examples. At the stage's end the residuals are summed
 * over the ring and applied, so no update is lost between stages beyond what clipping drops.
 */
public final class RingSharing implements GradientsAccumulator, StepExchange {
    private static final long serialVersionUID = 1L;
    /** A message: the encoded length, the encoding, the running statistics, the examples and their loss sum. */
    private static final int TRAILER = 2;

    private final transient RingAllreduce ring;
    private final transient ComputationGraph network;
    private final transient EncodingHandler encoder;
    /** Offset and length of every running statistic in the flattened parameters. */
    private final long[][] statistics;
    private final int statisticsLength;
    private transient INDArray residual;
    private transient int[][] messages;
    private long examples;
    private double lossSum;

    /** Shares the updates of {@code network}'s fits from now on. */
    public RingSharing(RingAllreduce ring, ComputationGraph network, Settings settings) {
        this.ring = ring;
        this.network = network;
        this.encoder = new EncodingHandler(settings.thresholdAlgorithm(), settings.residualPostProcessor(), null,
                false);
        this.statistics = runningStatistics(network);
        this.statisticsLength = Arrays.stream(statistics).mapToInt(range -> (int) range[1]).sum();
        encoder.initialize(this);
        network.setGradientsAccumulator(this);
    }

    /** How updates are encoded: the threshold algorithm to start from, and what is done to the residual. */
    public record Settings(ThresholdAlgorithm thresholdAlgorithm, ResidualPostProcessor residualPostProcessor)
            implements Serializable {
        /** The {@code sync.sharing.*} encoding settings, as DL4J's gradient sharing gets them. */
        public static Settings of(TrainConfig.Sharing sharing) {
            return new Settings(GradientSharing.thresholdAlgorithm(sharing), GradientSharing.residualPostProcessor(sharing));
        }

        /** These settings with the threshold algorithm's state carried over from an earlier stage. */
        public Settings startingFrom(ThresholdAlgorithm carried) {
            return new Settings(carried, residualPostProcessor);
        }
    }

    /** Where batch normalization keeps its running mean and variance (or deviation) among {@code network}'s parameters. */
    static long[][] runningStatistics(ComputationGraph network) {
        long base = network.params().offset();
        List<long[]> ranges = new ArrayList<>();
        for (Layer layer : network.getLayers()) {
            if (layer instanceof BatchNormalization) {
                for (String key : List.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
                        BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
                    INDArray view = layer.paramTable().get(key);
                    if (view != null) {
                        ranges.add(new long[] {view.offset() - base, view.length()});
                    }
                }
            }
        }
        return ranges.toArray(long[][]::new);
    }

    /** The threshold algorithm as the last step left it, to start the next stage from; null before any step. */
    public ThresholdAlgorithm thresholdAlgorithm() {
        return encoder.getAverageThresholdAlgorithm();
    }

    @Override
    public long examples() {
        return examples;
    }

    @Override
    public double lossSum() {
        return lossSum;
    }

    @Override
    public void storeUpdate(INDArray update, int iteration, int epoch) {
        float[] ownStatistics = new float[statisticsLength];
        int at = 0;
        for (long[] range : statistics) {
            INDArray view = update.get(NDArrayIndex.interval(range[0], range[0] + range[1]));
            float[] values = view.toFloatVector();
            System.arraycopy(values, 0, ownStatistics, at, values.length);
            at += values.length;
            view.assign(0);
        }
        int[] encoded;
        try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (residual == null) {
                residual = Nd4j.create(update.dataType(), update.length());
            }
            residual.addi(update.reshape(residual.shape()));
            INDArray message = encoder.encodeUpdates(iteration, epoch, residual);
            encoded = message == null ? new int[0] : message.toIntVector();
        }
        int rows = network.batchSize();
        int[] message = new int[1 + encoded.length + statisticsLength + TRAILER];
        message[0] = encoded.length;
        System.arraycopy(encoded, 0, message, 1, encoded.length);
        for (int i = 0; i < statisticsLength; i++) {
            message[1 + encoded.length + i] = Float.floatToRawIntBits(ownStatistics[i]);
        }
        message[message.length - 2] = rows;
        message[message.length - 1] = Float.floatToRawIntBits((float) (rows * network.score()));
        try {
            messages = ring.allGather(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, boolean isFinalStep) {
        long stepExamples = 0;
        for (int[] message : messages) {
            stepExamples += message[message.length - 2];
        }
        float[] averageStatistics = new float[statisticsLength];
        updates.assign(0);
        try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            for (int[] message : messages) {
                int length = message[0];
                if (length > 0) {
                    decodeInto(Nd4j.createFromArray(Arrays.copyOfRange(message, 1, 1 + length)), updates);
                }
                float weight = (float) message[message.length - 2] / stepExamples;
                for (int i = 0; i < statisticsLength; i++) {
                    averageStatistics[i] += weight * Float.intBitsToFloat(message[1 + length + i]);
                }
                lossSum += Float.intBitsToFloat(message[message.length - 1]);
            }
        }
        int at = 0;
        for (long[] range : statistics) {
            updates.get(NDArrayIndex.interval(range[0], range[0] + range[1]))
                    .assign(Nd4j.createFromArray(Arrays.copyOfRange(averageStatistics, at, at + (int) range[1])));
            at += (int) range[1];
        }
        examples += stepExamples;
        messages = null;
        function.step(params, updates);
    }

    /** Adds an encoded message to {@code target}; the header says which of DL4J's two encodings it uses. */
    private static void decodeInto(INDArray encoded, INDArray target) {
        int encoding = encoded.data().getInt(3);
        if (encoding == ThresholdCompression.FLEXIBLE_ENCODING) {
            Nd4j.getExecutioner().thresholdDecode(encoded, target);
        } else if (encoding == ThresholdCompression.BITMAP_ENCODING) {
            Nd4j.getExecutioner().bitmapDecode(encoded, target);
        } else {
            throw new IllegalStateException("gradient sharing: a message in an unknown encoding, " + encoding);
        }
    }

    /** Applies the residuals of all workers, summed over the ring, on every worker. */
    @Override
    public void finish() throws IOException {
        if (residual == null) {
            return;
        }
        float[] left = residual.toFloatVector();
        ring.sum(left);
        INDArray params = network.params();
        params.subi(Nd4j.createFromArray(left).reshape(params.shape()));
        residual = null;
    }

    /** Every update is applied in the step that made it; nothing waits between steps. */
    @Override
    public boolean hasAnything() {
        return false;
    }

    @Override
    public void applyUpdate(StepFunction function, INDArray params, INDArray updates, double alpha) {
        throw new UnsupportedOperationException("gradient sharing on a ring applies updates in its fit's step");
    }

    @Override
    public void receiveUpdate(INDArray array) {
        throw new UnsupportedOperationException("gradient sharing on a ring receives updates through the ring");
    }

    @Override
    public void setExternalSource(IndexedTail source) {
        throw new UnsupportedOperationException("gradient sharing on a ring has no external source");
    }

    @Override
    public IndexedTail getExternalSource() {
        return null;
    }

    @Override
    public void markExternalUpdates(boolean updatesAvailable) {}

    @Override
    public void reset() {
        residual = null;
    }

    @Override
    public void touch() {}
}
