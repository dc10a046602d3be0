package io.sparktrain.trainer.gan;

import io.sparktrain.trainer.model.StatelessLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Binary cross-entropy of a sigmoid output, computed from its logit z: softplus(z) - y z, with
 * gradient sigmoid(z) - y. DL4J's XENT clips the probability to [1e-5, 1 - 1e-5] before dividing
 * by it, so once the discriminator rates a fake below 1e-5 the generator's gradient shrinks by
 * the factor p / 1e-5: the very saturation that the non-saturating generator loss -log D(G(z))
 * exists to avoid. This form neither clips nor saturates.
 */
public final class SigmoidCrossEntropy extends StatelessLoss {
    private static final long serialVersionUID = 1L;

    private static void requireSigmoid(IActivation activation) {
        if (!(activation instanceof ActivationSigmoid)) {
            throw new IllegalArgumentException("SigmoidCrossEntropy needs the sigmoid activation, got " + activation);
        }
    }

    /** Per example, summed over outputs: max(z, 0) - y z + log(1 + exp(-|z|)), exact for any z. */
    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
        requireSigmoid(activation);
        INDArray y = labels.castTo(preOutput.dataType());
        INDArray loss = Transforms.relu(preOutput, true).subi(y.mul(preOutput))
                .addi(Transforms.log1p(Transforms.exp(Transforms.abs(preOutput, true).negi(), false), false));
        if (mask != null) {
            loss.muli(mask.castTo(loss.dataType()));
        }
        return loss.sum(true, 1);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
        requireSigmoid(activation);
        INDArray gradient = Transforms.sigmoid(preOutput, true).subi(labels.castTo(preOutput.dataType()));
        if (mask != null) {
            gradient.muli(mask.castTo(gradient.dataType()));
        }
        return gradient;
    }

    @Override
    public String name() {
        return "sigmoid-cross-entropy";
    }
}
