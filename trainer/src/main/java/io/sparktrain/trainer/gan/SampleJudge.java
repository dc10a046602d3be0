package io.sparktrain.trainer.gan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Judges generated images through a trained classifier, as the MNIST score and FID do: its class
 * probabilities give the classifier score, and the activations of the layer feeding its output
 * layer are the features whose distribution is compared with that of real images.
 */
public final class SampleJudge {
    /** Images per forward pass, to bound the activations held at once. */
    private static final int CHUNK = 500;

    private final Probe probe;
    private final INDArray realMean;
    private final INDArray realCovariance;

    private SampleJudge(Probe probe, INDArray realImages) {
        this.probe = probe;
        INDArray realFeatures = probe.run(realImages).features();
        this.realMean = realFeatures.mean(0);
        this.realCovariance = SampleQuality.covariance(realFeatures);
    }

    /** The classifier score and the Fréchet distance to the real images of one set of images. */
    public record Quality(double classifierScore, double frechetDistance) {}

    /**
     * A judge comparing with {@code realImages} (one flattened image per row), which must be at
     * least two. The classifier must have one input and one output layer, fed by a single layer.
     */
    public static SampleJudge of(ComputationGraph classifier, INDArray realImages) {
        String[] outputs = classifier.getConfiguration().getNetworkOutputs().toArray(String[]::new);
        if (classifier.getNumInputArrays() != 1 || outputs.length != 1) {
            throw new IllegalArgumentException("a classifier for judging samples needs one input and one output, not "
                    + classifier.getNumInputArrays() + " and " + outputs.length);
        }
        List<String> feeding = classifier.getConfiguration().getVertexInputs().get(outputs[0]);
        if (feeding == null || feeding.size() != 1 || classifier.getVertex(feeding.get(0)).isInputVertex()) {
            throw new IllegalArgumentException("a classifier for judging samples needs a single hidden layer feeding "
                    + "its output layer '" + outputs[0] + "', not " + feeding);
        }
        return new SampleJudge(new Probe(classifier, outputs[0], feeding.get(0)), realImages);
    }

    /** The classifier's share of right answers on {@code images} with one-hot {@code labels}. */
    public double accuracy(INDArray images, INDArray labels) {
        INDArray predicted = probe.run(images).probabilities().argMax(1);
        return predicted.eq(labels.argMax(1)).castTo(DataType.DOUBLE).meanNumber().doubleValue();
    }

    /** The classifier score of {@code images} (at least two, one flattened image per row) and their distance. */
    public Quality judge(INDArray images) {
        Activations activations = probe.run(images);
        INDArray features = activations.features();
        return new Quality(SampleQuality.classifierScore(activations.probabilities()),
                SampleQuality.frechetDistance(features.mean(0), SampleQuality.covariance(features), realMean,
                        realCovariance));
    }

    /** The classifier's output and features for every row of some images. */
    private record Activations(INDArray probabilities, INDArray features) {}

    /** The classifier, the layer whose activations are its answer and the one whose are the features. */
    private record Probe(ComputationGraph classifier, String outputLayer, String featureLayer) {
        Activations run(INDArray images) {
            if (images.rank() != 2 || images.size(0) < 2) {
                throw new IllegalArgumentException("expected at least 2 flattened images, one per row, got shape "
                        + Arrays.toString(images.shape()));
            }
            List<INDArray> probabilities = new ArrayList<>();
            List<INDArray> features = new ArrayList<>();
            for (long from = 0; from < images.size(0); from += CHUNK) {
                INDArray chunk = images.get(NDArrayIndex.interval(from, Math.min(images.size(0), from + CHUNK)),
                        NDArrayIndex.all());
                Map<String, INDArray> layers = classifier.feedForward(chunk, false);
                probabilities.add(layers.get(outputLayer));
                // Convolutional or pooled features are compared flattened.
                INDArray layer = layers.get(featureLayer);
                features.add(layer.reshape(layer.size(0), layer.length() / layer.size(0)));
            }
            return new Activations(Nd4j.vstack(probabilities.toArray(INDArray[]::new)),
                    Nd4j.vstack(features.toArray(INDArray[]::new)).castTo(DataType.DOUBLE));
        }
    }
}
