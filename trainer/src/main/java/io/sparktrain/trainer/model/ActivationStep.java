package io.sparktrain.trainer.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The threshold of a McCulloch-Pitts unit: 1 where the input is at least 0, else 0. Its gradient is
 * 0 everywhere it exists, so a network ending in it is set by hand, not trained.
 */
public final class ActivationStep extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return in.assign(in.gte(0).castTo(in.dataType()));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        return new Pair<>(epsilon.mul(0), null);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ActivationStep;
    }

    @Override
    public int hashCode() {
        return ActivationStep.class.hashCode();
    }

    @Override
    public String toString() {
        return "step";
    }
}
