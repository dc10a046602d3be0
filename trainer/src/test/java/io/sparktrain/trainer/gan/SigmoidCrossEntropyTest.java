package io.sparktrain.trainer.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

class SigmoidCrossEntropyTest {
    private static final IActivation SIGMOID = Activation.SIGMOID.getActivationFunction();
    private final SigmoidCrossEntropy loss = new SigmoidCrossEntropy();

    @Test
    void agreesWithDl4jsCrossEntropyWhereThatDoesNotClip() {
        INDArray logits = Nd4j.createFromArray(new double[][] {{-3}, {-0.5}, {0}, {2}, {6}});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}, {0}, {1}});
        LossBinaryXENT dl4j = new LossBinaryXENT();
        // DL4J's gradient overwrites the logits it is given (the activation's backprop works in place).
        assertEquals(dl4j.computeScore(labels, logits.dup(), SIGMOID, null, true),
                loss.computeScore(labels, logits, SIGMOID, null, true), 1e-9);
        assertArrayEquals(dl4j.computeGradient(labels, logits.dup(), SIGMOID, null).toDoubleVector(),
                loss.computeGradient(labels, logits, SIGMOID, null).toDoubleVector(), 1e-9);
    }

    @Test
    void aGeneratorFarFromFoolingTheDiscriminatorStillGetsTheFullGradient() {
        // D(G(z)) = sigmoid(-30), about 1e-13, with label 1: the loss is about 30 and its
        // gradient in the logit sigmoid(-30) - 1, about -1. DL4J's clipped XENT gives 11.5 and
        // a gradient near -1e-8.
        INDArray logit = Nd4j.createFromArray(new double[][] {{-30}});
        INDArray real = Nd4j.createFromArray(new double[][] {{1}});
        assertEquals(30, loss.computeScore(real, logit, SIGMOID, null, true), 1e-9);
        assertEquals(-1, loss.computeGradient(real, logit, SIGMOID, null).getDouble(0), 1e-9);
        assertEquals(-log(1 - sigmoid(3)), loss.computeScore(Nd4j.zeros(1, 1).castTo(logit.dataType()),
                Nd4j.createFromArray(new double[][] {{3}}), SIGMOID, null, true), 1e-12);
        assertEquals(0, loss.computeScore(real, Nd4j.createFromArray(new double[][] {{800}}), SIGMOID, null, true),
                1e-12, "no overflow for a large logit");
    }

    @Test
    void masksAndSumsPerExample() {
        INDArray logits = Nd4j.createFromArray(new double[][] {{1}, {-1}});
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {1}});
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {0}});
        assertEquals(-log(sigmoid(1)), loss.computeScore(labels, logits, SIGMOID, mask, false), 1e-12);
        assertEquals(0, loss.computeGradient(labels, logits, SIGMOID, mask).getDouble(1), 0);
    }

    @Test
    void refusesAnyActivationButTheSigmoid() {
        INDArray one = Nd4j.ones(1, 1);
        assertThrows(IllegalArgumentException.class,
                () -> loss.computeGradient(one, one, Activation.IDENTITY.getActivationFunction(), null));
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static double log(double x) {
        return Math.log(x);
    }
}
