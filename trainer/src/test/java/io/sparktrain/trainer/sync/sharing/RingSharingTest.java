package io.sparktrain.trainer.sync.sharing;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.sync.allreduce.LoopbackRing;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.NoOpResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Gradient sharing among the threads of a loopback ring, against the same fits made one by one. */
class RingSharingTest {
    private static final int FEATURES = 4;
    private static final int HIDDEN = 16;
    private static final int ROWS = 8;

    /** A small network with batch normalization, trained by plain SGD so that one step's update is its gradient's. */
    private static ComputationGraph network() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Sgd(0.1))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("dense", new DenseLayer.Builder().nIn(FEATURES).nOut(HIDDEN).activation(Activation.TANH)
                        .build(), "in")
                .addLayer("norm", new BatchNormalization.Builder().nOut(HIDDEN).build(), "dense")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "norm")
                .setOutputs("out").build();
        ComputationGraph network = new ComputationGraph(conf);
        network.init();
        return network;
    }

    /** Worker {@code rank}'s minibatch of step {@code step}: its own features, off centre so the statistics move. */
    private static DataSet minibatch(int rank, int step) {
        Random random = new Random(1000L * rank + step);
        float[][] values = new float[ROWS][FEATURES];
        for (float[] row : values) {
            for (int i = 0; i < FEATURES; i++) {
                row[i] = (float) random.nextGaussian() + rank + 1;
            }
        }
        INDArray features = Nd4j.createFromArray(values);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, ROWS, 3);
        for (int row = 0; row < ROWS; row++) {
            labels.putScalar(row, (row + rank) % 3, 1);
        }
        return new DataSet(features, labels);
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {2, 3})
    void everyWorkerEndsWithTheSameBits(int workers) throws Exception {
        RingSharing.Settings settings = new RingSharing.Settings(new AdaptiveThresholdAlgorithm(1e-3),
                new NoOpResidualPostProcessor());
        List<INDArray> replicas = LoopbackRing.run(workers, (rank, ring) -> {
            ComputationGraph network = network();
            RingSharing sharing = new RingSharing(ring, network, settings);
            for (int step = 0; step < 6; step++) {
                network.fit(minibatch(rank, step));
            }
            sharing.finish();
            assertEquals(6L * workers * ROWS, sharing.examples(), "every worker's examples, every step");
            return network.params().dup();
        });
        assertTrue(Transforms.abs(replicas.get(0).sub(network().params())).maxNumber().doubleValue() > 1e-3,
                "training moved the parameters");
        for (int rank = 1; rank < workers; rank++) {
            assertBitwiseEqual(replicas.get(0), replicas.get(rank), "worker " + rank + " against worker 0");
        }
    }

    /**
     * After one step and the stage's end, every worker holds the start plus both workers' whole
     * updates (what was encoded and what the residual kept), and the running statistics moved by
     * the average of the two workers' moves: as if each worker's minibatch had been fitted alone
     * from the start and the updates added, the statistics' averaged.
     */
    @Test
    void theEncodedUpdatesAndTheFlushedResidualsAddUpToEveryWorkersWholeUpdate() throws Exception {
        INDArray start = network().params().dup();
        INDArray expected = start.dup();
        INDArray[] moves = new INDArray[2];
        for (int rank = 0; rank < 2; rank++) {
            ComputationGraph alone = network();
            alone.fit(minibatch(rank, 0));
            moves[rank] = alone.params().sub(start);
            expected.addi(moves[rank]);
        }
        long[][] statistics = RingSharing.runningStatistics(network());
        for (long[] range : statistics) {
            INDArray view = expected.get(NDArrayIndex.interval(range[0], range[0] + range[1]));
            INDArray average = moves[0].add(moves[1]).divi(2)
                    .get(NDArrayIndex.interval(range[0], range[0] + range[1]));
            view.assign(start.get(NDArrayIndex.interval(range[0], range[0] + range[1]))
                    .add(average));
        }
        int parameters = (int) start.length();
        List<INDArray[]> outcomes = LoopbackRing.run(2, (rank, ring) -> {
            ComputationGraph network = network();
            RingSharing sharing = new RingSharing(ring, network, new RingSharing.Settings(
                    new FixedThresholdAlgorithm(1e-3), new NoOpResidualPostProcessor()));
            network.fit(minibatch(rank, 0));
            assertTrue(ring.sentBytes() < 2L * parameters, ring.sentBytes() + " bytes sent for one step of "
                    + parameters + " parameters: the encoding is sparser than half the floats");
            INDArray beforeFinish = network.params().dup();
            sharing.finish();
            return new INDArray[] {beforeFinish, network.params().dup()};
        });
        for (INDArray[] outcome : outcomes) {
            double kept = Transforms.abs(outcome[0].sub(expected)).maxNumber().doubleValue();
            assertTrue(kept > 1e-4, "the residuals held part of the updates until the end: " + kept);
            double difference = Transforms.abs(outcome[1].sub(expected)).maxNumber().doubleValue();
            assertTrue(difference < 1e-6, "max |shared - fitted alone and added| = " + difference);
        }
        assertTrue(moves[0].sub(moves[1]).amaxNumber().doubleValue() > 1e-3, "the workers' updates differ");
    }

    @Test
    void theRunningStatisticsAreFoundWhereTheLayerKeepsThem() {
        ComputationGraph network = network();
        long[][] ranges = RingSharing.runningStatistics(network);
        assertEquals(2, ranges.length, "the mean and the deviation of one layer");
        INDArray params = network.params();
        List<String> keys = List.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
                BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
        for (int i = 0; i < ranges.length; i++) {
            assertEquals(HIDDEN, ranges[i][1]);
            INDArray layerView = network.getLayer("norm").getParam(keys.get(i));
            layerView.assign(i + 2);
            assertBitwiseEqual(layerView.reshape(HIDDEN), params.get(
                    NDArrayIndex.interval(ranges[i][0], ranges[i][0] + ranges[i][1])).reshape(HIDDEN), keys.get(i));
        }
    }
}
