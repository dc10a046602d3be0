package io.sparktrain.trainer.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class TrafficTest {
    /** 4 inputs to 3 outputs: 15 parameters, and Adam's two moments for each. */
    @Test
    void averagingCountsWhatAWorkerSendsToTheDriverOncePerRound() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().updater(new Adam(0.01))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "in")
                .setOutputs("out").build();
        ComputationGraph network = new ComputationGraph(conf);
        network.init();
        assertEquals(4.0 * 15 / 5, Traffic.averagingBytesPerStep(network, false, 5));
        assertEquals(4.0 * (15 + 30) / 5, Traffic.averagingBytesPerStep(network, true, 5));
    }
}
