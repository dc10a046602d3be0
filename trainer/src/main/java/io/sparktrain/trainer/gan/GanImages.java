package io.sparktrain.trainer.gan;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Noise and generated images in the shapes the GAN's networks and the MNIST shards use. */
public final class GanImages {
    /** Noise rows per forward pass, to bound the activations held at once. */
    private static final int CHUNK = 500;

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

    /** What {@code generator} makes of each row of {@code noise}, in inference mode, as rows of pixels. */
    public static INDArray generate(ComputationGraph generator, INDArray noise) {
        List<INDArray> images = new ArrayList<>();
        for (long from = 0; from < noise.size(0); from += CHUNK) {
            INDArray chunk = noise.get(NDArrayIndex.interval(from, Math.min(noise.size(0), from + CHUNK)),
                    NDArrayIndex.all());
            images.add(flatten(generator.outputSingle(false, chunk)));
        }
        return Nd4j.vstack(images.toArray(INDArray[]::new));
    }
}
