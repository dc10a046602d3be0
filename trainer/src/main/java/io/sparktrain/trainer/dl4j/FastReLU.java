package io.sparktrain.trainer.dl4j;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's ReLU with a backward pass in two vectorized ops. ND4J 1.0.0-M2.1 computes ReLU's
 * derivative with {@code relu_bp}, which calls a {@code std::function} per element: 2.6 ms for
 * 64x16x28x28 floats on one core here, against 0.27 ms for a step function and a multiplication
 * (docs/dl4j-defects.md). The result is the same: the incoming gradient where the input is
 * positive, zero elsewhere. The forward pass is DL4J's.
 */
public class FastReLU extends ActivationReLU {
    /** Overwrites {@code in}, as DL4J's own activations do in their backward pass. */
    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        Nd4j.getExecutioner().exec(new Step(in, in, 0.0));
        return new Pair<>(in.muli(epsilon), null);
    }
}
