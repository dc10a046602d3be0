package io.sparktrain.trainer.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A loss without settings, defined by its per-example scores and its gradient: the total, the
 * mean and the pair follow from those, and any two instances are equal.
 */
public abstract class StatelessLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask,
            boolean average) {
        INDArray scores = computeScoreArray(labels, preOutput, activation, mask);
        double score = scores.sumNumber().doubleValue();
        return average ? score / scores.size(0) : score;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activation,
            INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activation, mask, average),
                computeGradient(labels, preOutput, activation, mask));
    }

    @Override
    public boolean equals(Object other) {
        return other != null && other.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "()";
    }
}
