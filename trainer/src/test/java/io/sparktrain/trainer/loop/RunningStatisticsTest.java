package io.sparktrain.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.spark.SparkContexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Running statistics re-estimated on Spark's executors, checked against DL4J's own batch
 * normalization on the driver: in training mode it normalizes with the statistics of the minibatch
 * it is given, in inference mode with the running ones.
 */
class RunningStatisticsTest {
    private static final int BATCH = 40;

    private static JavaSparkContext sc;
    private static List<String> paths;
    private static INDArray sample;

    @TempDir
    static Path shards;

    @BeforeAll
    static void exportMnistSubset() throws IOException {
        sc = SparkContexts.create(new TrainConfig.Spark("local[2]", "statistics", Map.of("spark.ui.enabled", "false"),
                "1g", "0"));
        Storage storage = new Storage(sc.hadoopConfiguration());
        ShardSet train = new ShardExporter(sc, storage).exportOrReuse(
                TestMnist.fetch().load(Mnist.Split.TRAIN).first(3 * BATCH), shards.toUri(), BATCH, 7);
        paths = train.paths();
        List<INDArray> batches = new ArrayList<>();
        for (String path : paths) {
            batches.add(ShardSet.read(storage, path).getFeatures());
        }
        sample = Nd4j.concat(0, batches.toArray(INDArray[]::new));
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    private static ComputationGraph network(String settings) {
        TrainConfig.Model model = ConfigLoader.parse("model { " + settings + " }", "test", List.of()).model();
        return ModelSpec.of(model, 1, 28, 28, 10).newNetwork(model.architecture());
    }

    /** Running statistics far from any the data gives, as encoded updates leave them. */
    private static void makeStale(ComputationGraph network) {
        for (String layer : RunningStatistics.layers(network)) {
            network.getLayer(layer).getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).assign(5);
            network.getLayer(layer).getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).assign(2);
        }
    }

    /**
     * With one normalization layer, inference with statistics estimated over the sample must give
     * what training mode gives for the whole sample as one minibatch.
     */
    @Test
    void inferenceWithTheEstimatesMatchesTrainingModeOnTheWholeSample() {
        ComputationGraph mlp = network("architecture = mlp, hidden-layers = [32], batch-norm = true, seed = 5");
        makeStale(mlp);
        INDArray asOneBatch = mlp.outputSingle(true, sample);
        assertTrue(mlp.outputSingle(false, sample).distance1(asOneBatch) > 1, "stale statistics change the output");
        RunningStatistics.reestimate(sc, mlp, paths, ShardLoaders.asStored().training(1), 2);
        INDArray inference = mlp.outputSingle(false, sample);
        assertEquals(0, inference.sub(asOneBatch).amaxNumber().doubleValue(), 1e-4,
                "largest difference in output probability");
    }

    /** Networks saved before DL4J 1.0.0-beta4 store the variance itself rather than its log10 deviation. */
    @Test
    void aLayerThatStoresTheVarianceGetsTheVariance() {
        ComputationGraph network = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(5)
                .weightInit(new NormalDistribution(0, 1)).graphBuilder().addInputs("input")
                .addLayer("dense", new DenseLayer.Builder().nIn(784).nOut(16).activation(Activation.IDENTITY).build(),
                        "input")
                .addLayer("bn", new BatchNormalization.Builder().useLogStd(false).nIn(16).nOut(16).build(), "dense")
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "bn")
                .setOutputs("output").build());
        network.init();
        RunningStatistics.reestimate(sc, network, paths, ShardLoaders.asStored().training(1), 2);
        INDArray dense = network.feedForward(sample, true).get("dense");
        assertArrayEquals(dense.var(false, 0).toDoubleVector(),
                network.getLayer("bn").getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).toDoubleVector(),
                1e-3 * dense.var(false, 0).maxNumber().doubleValue());
    }

    /**
     * Convolutional inputs (the ResNet's are channels-last): one mean and variance per channel, over
     * examples, rows and columns.
     */
    @Test
    void eachChannelOfAConvolutionGetsTheMomentsOfItsOwnMaps() {
        ComputationGraph resnet = network("architecture = resnet18, width = 4, seed = 5");
        INDArray params = resnet.params().dup();
        makeStale(resnet);
        RunningStatistics.reestimate(sc, resnet, paths, ShardLoaders.asStored().training(1), 2);
        INDArray stem = resnet.feedForward(sample, true).get("stem_conv");
        int[] allButChannels = {0, 1, 2};
        assertArrayEquals(stem.mean(allButChannels).toDoubleVector(),
                resnet.getLayer("stem_bn").getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).toDoubleVector(),
                1e-5);
        double[] log10Std = stem.var(false, allButChannels).toDoubleVector();
        for (int c = 0; c < log10Std.length; c++) {
            log10Std[c] = 0.5 * Math.log10(log10Std[c]);
        }
        assertArrayEquals(log10Std, resnet.getLayer("stem_bn")
                .getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).toDoubleVector(), 1e-5);
        assertEquals(20, RunningStatistics.layers(resnet).size());
        long statistics = 0;
        for (String layer : RunningStatistics.layers(resnet)) {
            statistics += 2 * resnet.getLayer(layer).getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).length();
        }
        double[] before = params.toDoubleVector();
        double[] after = resnet.params().toDoubleVector();
        long unchanged = 0;
        for (int i = 0; i < before.length; i++) {
            unchanged += before[i] == after[i] ? 1 : 0;
        }
        assertEquals(before.length - statistics, unchanged, "every running statistic changed, nothing else");
    }
}
