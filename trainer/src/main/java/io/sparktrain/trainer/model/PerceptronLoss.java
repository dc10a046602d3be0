package io.sparktrain.trainer.model;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rosenblatt's perceptron rule as a loss, so that the trainer's gradient descent runs it: labels 0
 * and 1 count as t = -1 and +1, and an example the identity output gets wrong or leaves on the
 * boundary (t * output <= 0) has gradient -t, every other 0. Gradient descent at rate 1 on one
 * example at a time then adds t * x to the weights and t to the bias on every mistake, which is the
 * rule. The score is the fraction of mistakes, so over online steps it counts the rule's updates.
 */
public final class PerceptronLoss extends StatelessLoss {
    private static final long serialVersionUID = 1L;

    /** 1 where the output is wrong or on the boundary, else 0. */
    private static INDArray mistakes(INDArray labels, INDArray preOutput, IActivation activation) {
        INDArray output = activation.getActivation(preOutput.dup(), true);
        return output.muli(signs(labels, output)).lte(0).castTo(preOutput.dataType());
    }

    private static INDArray signs(INDArray labels, INDArray like) {
        return labels.castTo(like.dataType()).mul(2).subi(1);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
        INDArray wrong = mistakes(labels, preOutput, activation);
        if (mask != null) {
            wrong.muli(mask);
        }
        return wrong.sum(true, 1);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
        INDArray wrong = mistakes(labels, preOutput, activation);
        INDArray outputGradient = signs(labels, preOutput).negi().muli(wrong);
        if (mask != null) {
            outputGradient.muli(mask);
        }
        return activation.backprop(preOutput.dup(), outputGradient).getFirst();
    }

    @Override
    public String name() {
        return "perceptron";
    }
}
