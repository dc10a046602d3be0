package io.sparktrain.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigSchema;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

class OptimizersTest {
    static List<String> updaters() {
        return List.of(ConfigSchema.UPDATER.allowed().substring("one of ".length()).split(", "));
    }

    @Test
    void momentumKeepsAVelocity() {
        Momentum momentum = new Momentum(new ExponentialSchedule(ScheduleType.EPOCH, 0.1, 1), 0.9);
        GradientUpdater<?> updater = momentum.instantiate(Nd4j.zeros(DataType.DOUBLE, 1, 2), true);
        INDArray first = Nd4j.createFromArray(1.0, 2.0);
        updater.applyUpdater(first, 0, 0);
        assertArrayEquals(new double[] {0.1, 0.2}, first.toDoubleVector(), 1e-12);
        INDArray second = Nd4j.createFromArray(1.0, -2.0);
        updater.applyUpdater(second, 1, 0);
        // 0.9 * previous step + 0.1 * gradient
        assertArrayEquals(new double[] {0.19, -0.02}, second.toDoubleVector(), 1e-12);
    }

    /** Every optimizer the config offers builds, survives DL4J's JSON (how workers get it) and trains. */
    @ParameterizedTest
    @MethodSource("updaters")
    void everyOptimizerTravelsToWorkersAndLowersTheLoss(String updater) {
        ModelSpec spec = MlpTest.spec("hidden-layers = [8], updater = " + updater + ", learning-rate = 0.05", 4, 2);
        ComputationGraph net = spec.newNetwork("mlp");
        IUpdater configured = spec.updater();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(net.getConfiguration().toJson());
        assertEquals(net.getConfiguration(), back);
        assertEquals(configured, layerUpdater(back));

        Nd4j.getRandom().setSeed(3);
        INDArray features = Nd4j.rand(DataType.FLOAT, 64, 4);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 64, 2);
        for (int i = 0; i < 64; i++) {
            labels.putScalar(i, features.getDouble(i, 0) > 0.5 ? 1 : 0, 1);
        }
        DataSet data = new DataSet(features, labels);
        double before = net.score(data);
        for (int step = 0; step < 30; step++) {
            net.fit(data);
        }
        assertTrue(net.score(data) < before * 0.9, updater + ": loss " + before + " -> " + net.score(data));
    }

    @ParameterizedTest
    @ValueSource(strings = {"value", "norm"})
    void clippingBoundsEveryStep(String clipping) {
        // Plain gradient descent at rate 1 steps by the clipped gradient itself.
        ComputationGraph net = MlpTest.mlp("hidden-layers = [8], updater = sgd, learning-rate = 1, "
                + "gradient-clipping = " + clipping + ", gradient-clipping-threshold = 0.01", 4, 2);
        INDArray features = Nd4j.rand(DataType.FLOAT, 16, 4).muli(100);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 16, 2);
        labels.getColumn(1).assign(1);
        INDArray before = net.params().dup();
        net.fit(new DataSet(features, labels));
        for (String param : List.of("dense1_W", "dense1_b", "output_W", "output_b")) {
            INDArray step = net.getParam(param).sub(paramIn(net, before, param));
            double size = clipping.equals("value") ? step.amaxNumber().doubleValue() : step.norm2Number().doubleValue();
            assertTrue(size <= 0.01 + 1e-6, param + ": " + clipping + " of the step " + size);
            assertTrue(size > 0, param + " did not move");
        }
    }

    private static IUpdater layerUpdater(ComputationGraphConfiguration conf) {
        var layer = assertInstanceOf(org.deeplearning4j.nn.conf.graph.LayerVertex.class, conf.getVertices().get("output"))
                .getLayerConf().getLayer();
        return ((org.deeplearning4j.nn.conf.layers.BaseLayer) layer).getIUpdater();
    }

    private static INDArray paramIn(ComputationGraph net, INDArray flat, String name) {
        ComputationGraph copy = net.clone();
        copy.setParams(flat);
        return copy.getParam(name);
    }
}
