package io.sparktrain.trainer.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The MNIST score and FID through the project's LeNet, trained here on 12,800 real MNIST images:
 * real test images against uniform noise, one image repeated, and many images of one digit.
 */
class SampleJudgeTest {
    private static final int HALF = 5000;
    private static ComputationGraph lenet;
    private static DataSet test;
    private static SampleJudge judge;

    @BeforeAll
    static void trainLeNet() throws IOException {
        Mnist mnist = TestMnist.fetch();
        DataSet train = ShardExporter.toDataSet(mnist.load(Mnist.Split.TRAIN).first(12_800));
        test = ShardExporter.toDataSet(mnist.load(Mnist.Split.TEST));
        TrainConfig.Model model = ConfigLoader.parse("model.seed = 42", "test", List.of()).model();
        lenet = ModelSpec.of(model, 1, 28, 28, 10).newNetwork("lenet");
        lenet.fit(new ListDataSetIterator<>(train.asList(), 64), 2);
        judge = SampleJudge.of(lenet, rows(test.getFeatures(), 0, HALF));
    }

    private static INDArray rows(INDArray array, int from, int to) {
        return array.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
    }

    @Test
    void realImagesScoreNearTenAndLieCloseToOtherRealImages() {
        INDArray heldOut = rows(test.getFeatures(), HALF, 2 * HALF);
        assertTrue(judge.accuracy(heldOut, rows(test.getLabels(), HALF, 2 * HALF)) > 0.95);
        SampleJudge.Quality real = judge.judge(heldOut);
        assertTrue(real.classifierScore() > 9 && real.classifierScore() <= 10, real.toString());

        SampleJudge.Quality noise = judge.judge(Nd4j.rand(DataType.FLOAT, HALF, 784));
        assertTrue(noise.classifierScore() < 3, "uniform noise: " + noise);
        assertTrue(real.frechetDistance() * 20 < noise.frechetDistance(), real + " against noise " + noise);
    }

    @Test
    void oneDigitOverAndOverScoresOneAndLiesFarFromRealImages() {
        INDArray heldOut = rows(test.getFeatures(), HALF, 2 * HALF);
        SampleJudge.Quality real = judge.judge(heldOut);
        SampleJudge.Quality repeated = judge.judge(rows(heldOut, 0, 1).repeat(0, HALF));
        assertEquals(1, repeated.classifierScore(), 1e-4, "one image repeated");
        assertTrue(real.frechetDistance() * 5 < repeated.frechetDistance(), real + " against " + repeated);

        long[] labels = rows(test.getLabels(), HALF, 2 * HALF).argMax(1).toLongVector();
        int[] ones = IntStream.range(0, HALF).filter(i -> labels[i] == 1).toArray();
        SampleJudge.Quality oneDigit = judge.judge(heldOut.getRows(ones));
        assertTrue(oneDigit.classifierScore() < 1.5, "every test image of a 1: " + oneDigit);
        assertTrue(real.frechetDistance() * 5 < oneDigit.frechetDistance(), real + " against " + oneDigit);
    }

    @Test
    void refusesAClassifierWithoutAHiddenLayerBeforeItsOutput() {
        TrainConfig.Model model = ConfigLoader.parse("model.architecture = mlp", "test", List.of()).model();
        ComputationGraph softmaxRegression = ModelSpec.of(model, 1, 28, 28, 10).newNetwork("mlp");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SampleJudge.of(softmaxRegression,
                rows(test.getFeatures(), 0, 10))).getMessage().contains("a single hidden layer feeding"));
    }
}
