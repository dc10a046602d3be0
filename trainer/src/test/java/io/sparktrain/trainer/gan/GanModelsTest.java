package io.sparktrain.trainer.gan;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.dl4j.FastDeconvolution2D;
import io.sparktrain.trainer.model.ModelSpec;
import io.sparktrain.trainer.sync.allreduce.NetworkState;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class GanModelsTest {
    private static TrainConfig config(String architecture) {
        return ConfigLoader.parse("model { architecture = " + architecture + ", updater = adam, "
                + "learning-rate = 0.0002 }", "test", List.of());
    }

    private static GanNetworks networks(String architecture) {
        TrainConfig config = config(architecture);
        return GanModels.newNetworks(ModelSpec.of(config.model(), 1, 28, 28, 1), config.gan().noiseSize());
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> params) {
        Map<String, INDArray> copies = new java.util.HashMap<>();
        params.forEach((name, value) -> copies.put(name, value.dup()));
        return copies;
    }

    @Test
    void theLectureGanHasTheLecturesLayers() {
        GanNetworks gan = networks("gan");
        assertEquals(100 * 256 + 256 + 256 * 784 + 784, gan.generator().numParams());
        assertEquals(784 * 256 + 256 + 256 + 1, gan.discriminator().numParams());
        assertEquals(gan.generator().numParams() + gan.discriminator().numParams(), gan.adversarial().numParams());
        INDArray images = gan.generator().outputSingle(false, GanImages.noise(1, 5, 100));
        assertArrayEquals(new long[] {5, 784}, images.shape());
        assertTrue(images.minNumber().doubleValue() >= 0 && images.maxNumber().doubleValue() <= 1, "sigmoid pixels");
        INDArray probabilities = gan.discriminator().outputSingle(false, images);
        assertArrayEquals(new long[] {5, 1}, probabilities.shape());
    }

    /**
     * The generator learns through the discriminator's copy, whose weights must not move; its batch
     * normalization's running statistics may (the next copy overwrites them).
     */
    @Test
    void aGeneratorStepMovesTheGeneratorAndNotTheFrozenDiscriminator() {
        for (String architecture : List.of("gan", "dcgan")) {
            GanNetworks gan = networks(architecture);
            ComputationGraph adversarial = gan.adversarial();
            Map<String, INDArray> before = copy(adversarial.paramTable());
            DataSet noise = new DataSet(GanImages.noise(3, 16, 100), Nd4j.ones(DataType.FLOAT, 16, 1));
            for (int step = 0; step < 3; step++) {
                adversarial.fit(noise);
            }
            for (Map.Entry<String, INDArray> param : adversarial.paramTable().entrySet()) {
                boolean discriminator = gan.discriminator().paramTable().containsKey(param.getKey());
                boolean runningStatistic = param.getKey().endsWith("_mean") || param.getKey().endsWith("stdev");
                if (runningStatistic) {
                    continue;
                }
                if (discriminator) {
                    assertBitwiseEqual(before.get(param.getKey()), param.getValue(),
                            architecture + " " + param.getKey());
                } else {
                    assertNotEquals(before.get(param.getKey()), param.getValue(), architecture + " " + param.getKey());
                }
            }
            assertTrue(Double.isFinite(adversarial.score()), architecture);
        }
    }

    /**
     * The copy judges fakes as the discriminator does while it trains: with batch normalization's
     * batch statistics, not its running ones.
     */
    @Test
    void theDiscriminatorsCopyRunsInTrainingMode() {
        GanNetworks gan = networks("dcgan");
        INDArray noise = GanImages.noise(6, 16, 100);
        INDArray fakes = GanImages.flatten(gan.generator().outputSingle(true, noise));
        INDArray expected = gan.discriminator().outputSingle(true, fakes);
        assertNotEquals(expected, gan.discriminator().outputSingle(false, fakes), "batch and running statistics differ");
        assertEquals(expected, gan.adversarial().outputSingle(true, noise));
    }

    @Test
    void theDiscriminatorTrainsAndItsCopyFollowsIt() {
        for (String architecture : List.of("gan", "dcgan")) {
            GanNetworks gan = networks(architecture);
            INDArray fakes = GanImages.flatten(gan.generator().outputSingle(true, GanImages.noise(4, 8, 100)));
            INDArray reals = Nd4j.rand(DataType.FLOAT, 8, 784);
            DataSet batch = new DataSet(Nd4j.vstack(reals, fakes),
                    Nd4j.vstack(Nd4j.ones(DataType.FLOAT, 8, 1), Nd4j.zeros(DataType.FLOAT, 8, 1)));
            INDArray before = gan.discriminator().params().dup();
            gan.discriminator().fit(batch);
            assertNotEquals(before, gan.discriminator().params(), architecture);
            gan.copyDiscriminator();
            for (Map.Entry<String, INDArray> param : gan.discriminator().paramTable().entrySet()) {
                assertBitwiseEqual(param.getValue(), gan.adversarial().getParam(param.getKey()), param.getKey());
            }
        }
    }

    /** A checkpoint of an earlier form of an architecture is refused by name, not with a null pointer. */
    @Test
    void aGeneratorTheCheckpointDoesNotHoldIsRefused() {
        String dcganGenerator = GanModels.generator(GanModels.spec(config("dcgan").model()), 100).toJson();
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> GanNetworks.generatorOf(networks("gan").adversarial(), dcganGenerator));
        assertTrue(refused.getMessage().contains("parameter g1_W is [100, 256]; expected [100, 6272]"),
                refused.getMessage());
    }

    /**
     * A DCGAN checkpointed while its generator used DL4J's Deconvolution2D resumes with this
     * version's FastDeconvolution2D, its parameters, Adam's moments and its counts as saved; the
     * lecture GAN's checkpoint does not fit a DCGAN and is refused by name.
     */
    @Test
    void aCheckpointIsRestoredWithThisVersionsLayers() {
        GanNetworks gan = networks("dcgan");
        gan.adversarial().fit(new DataSet(GanImages.noise(3, 4, 100), Nd4j.ones(DataType.FLOAT, 4, 1)));
        String json = gan.adversarial().getConfiguration().toJson();
        ComputationGraph saved = new NetworkState(json.replace(FastDeconvolution2D.class.getName(),
                Deconvolution2D.class.getName()), gan.adversarial().params(),
                gan.adversarial().getUpdater().getStateViewArray(), 1, 0).build();
        assertFalse(saved.getLayer("g2").conf().getLayer() instanceof FastDeconvolution2D,
                "the checkpoint has DL4J's layer");

        ModelSpec spec = ModelSpec.of(config("dcgan").model(), 1, 28, 28, 1);
        GanNetworks restored = GanModels.restored(spec, 100, gan.discriminator(), saved);
        assertInstanceOf(FastDeconvolution2D.class, restored.adversarial().getLayer("g2").conf().getLayer());
        assertBitwiseEqual(saved.params(), restored.adversarial().params(), "parameters");
        assertBitwiseEqual(saved.getUpdater().getStateViewArray(),
                restored.adversarial().getUpdater().getStateViewArray(), "Adam's moments");
        assertEquals(1, restored.adversarial().getConfiguration().getIterationCount());
        assertBitwiseEqual(gan.discriminator().params(), restored.discriminator().params(), "discriminator");

        GanNetworks lecture = networks("gan");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> GanModels.restored(spec, 100, lecture.discriminator(), lecture.adversarial()));
        assertTrue(refused.getMessage().contains("this version's discriminator"), refused.getMessage());
    }

    @Test
    void theDcganGeneratorMakes28By28ImagesAndTheSnapshotMakesTheSame() {
        GanNetworks gan = networks("dcgan");
        ComputationGraph generator = gan.generator();
        INDArray noise = GanImages.noise(5, 6, 100);
        INDArray maps = generator.outputSingle(true, noise);
        assertArrayEquals(new long[] {6, 1, 28, 28}, maps.shape());
        // DL4J's batch normalization ignores a configured activation; the ReLU must follow it.
        Map<String, INDArray> activations = generator.feedForward(noise, true);
        for (String layer : List.of("g1", "g2")) {
            assertTrue(activations.get(layer + "_bn").minNumber().doubleValue() < 0, layer);
            assertEquals(0, activations.get(layer + "_relu").minNumber().doubleValue(), layer);
        }
        INDArray flat = GanImages.flatten(maps);
        assertEquals(flat, gan.snapshot(7, generator).generate(noise));
        gan.adversarial().fit(new DataSet(noise, Nd4j.ones(DataType.FLOAT, 6, 1)));
        assertNotEquals(flat, gan.snapshot(8, generator).generate(noise), "a new snapshot brings the new parameters");
        assertEquals(GanImages.noise(5, 6, 100), noise, "noise is reproducible");
        assertTrue(noise.minNumber().doubleValue() >= -1 && noise.maxNumber().doubleValue() < 1);
    }
}
