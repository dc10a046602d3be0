package io.sparktrain.trainer.sync.allreduce;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Called by DL4J between the backward pass and the optimizer: replaces this worker's gradient
 * with the gradient of the combined minibatch of all workers, summed over {@code ring}. DL4J's
 * losses sum over examples and its updater divides by the minibatch it was given, so each worker
 * scales the summed gradient by its own share of the examples first. Also sums the examples and
 * the example-weighted loss of every step.
 */
public final class GradientSum extends BaseTrainingListener implements StepExchange {
    private final RingAllreduce ring;
    private long examples;
    private double lossSum;

    public GradientSum(RingAllreduce ring) {
        this.ring = ring;
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
    public void onGradientCalculation(Model model) {
        INDArray gradient = model.gradient().gradient();
        int rows = model.batchSize();
        if (ring.size() == 1) {
            examples += rows;
            lossSum += rows * model.score();
            return;
        }
        float[] buffer = new float[(int) gradient.length() + 2];
        float[] own = gradient.toFloatVector();
        System.arraycopy(own, 0, buffer, 0, own.length);
        buffer[own.length] = rows;
        buffer[own.length + 1] = (float) (rows * model.score());
        try {
            ring.sum(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        float total = buffer[own.length];
        float share = rows / total;
        for (int i = 0; i < own.length; i++) {
            buffer[i] *= share;
        }
        gradient.assign(Nd4j.createFromArray(Arrays.copyOf(buffer, own.length)).reshape(gradient.shape()));
        examples += (long) total;
        lossSum += buffer[own.length + 1];
    }
}
