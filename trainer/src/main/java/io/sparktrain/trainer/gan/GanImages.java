package io.sparktrain.trainer.gan;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Noise and generated images in the shapes the GAN's networks and the MNIST shards use. */
public final class GanImages {
    private GanImages() {}

    /** {@code rows} x {@code size} noise, uniform in [-1, 1), the same for the same seed anywhere. */
    public static INDArray noise(long seed, int rows, int size) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[rows * size];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (2 * random.nextDouble() - 1);
        }
        return Nd4j.create(values, new long[] {rows, size}, DataType.FLOAT);
    }

    /** A generator's output, a row of pixels or a 1x28x28 map per example, as rows of 784 pixels. */
    public static INDArray flatten(INDArray generated) {
        return generated.rank() == 2 ? generated : generated.reshape('c', generated.size(0), -1);
    }
}
