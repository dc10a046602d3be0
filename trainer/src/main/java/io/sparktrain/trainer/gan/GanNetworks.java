package io.sparktrain.trainer.gan;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A GAN as it trains: the discriminator and the adversarial network (generator plus frozen
 * discriminator copy), each with its own optimizer state, and the generator's configuration for
 * sampling. The generator's parameters live in the adversarial network alone.
 */
public record GanNetworks(ComputationGraph discriminator, ComputationGraph adversarial, String generatorJson) {

    /**
     * Copies the discriminator into the adversarial network's frozen layers, as it must be before
     * every generator step: the generator learns against the discriminator as it now is.
     */
    public void copyDiscriminator() {
        for (Map.Entry<String, INDArray> param : discriminator.paramTable().entrySet()) {
            adversarial.setParam(param.getKey(), param.getValue());
        }
    }

    /** A standalone generator with the adversarial network's current generator parameters. */
    public ComputationGraph generator() {
        return generatorOf(adversarial, generatorJson);
    }

    /**
     * A standalone generator, configured by {@code generatorJson}, with {@code adversarial}'s
     * generator parameters. Every run and every sampling job builds its generator here, so this is
     * where a checkpoint of an earlier form of the architecture is refused.
     */
    public static ComputationGraph generatorOf(ComputationGraph adversarial, String generatorJson) {
        ComputationGraph generator = new ComputationGraph(ComputationGraphConfiguration.fromJson(generatorJson));
        generator.init();
        requireParameters(adversarial, generator, "generator");
        return copyGenerator(adversarial, generator);
    }

    /** Refuses a saved network that lacks one of {@code network}'s parameters or holds it in another shape. */
    static void requireParameters(ComputationGraph saved, ComputationGraph network, String what) {
        Map<String, INDArray> trained = saved.paramTable();
        network.paramTable().forEach((name, expected) -> {
            INDArray value = trained.get(name);
            if (value == null || !Arrays.equals(value.shape(), expected.shape())) {
                throw new IllegalArgumentException("the saved GAN does not hold this version's " + what
                        + " (parameter " + name + " is " + (value == null ? "missing" : Arrays.toString(value.shape()))
                        + "; expected " + Arrays.toString(expected.shape()) + "): it was trained with an "
                        + "earlier form of its architecture; train it anew");
            }
        });
    }

    /**
     * Brings a standalone generator made by {@link #generator()} up to the adversarial network's
     * generator parameters and returns it: a training run builds one and refreshes it every round.
     */
    public ComputationGraph updateGenerator(ComputationGraph generator) {
        return copyGenerator(adversarial, generator);
    }

    private static ComputationGraph copyGenerator(ComputationGraph adversarial, ComputationGraph generator) {
        for (String name : generator.paramTable().keySet()) {
            generator.setParam(name, adversarial.getParam(name));
        }
        return generator;
    }

    /** The generator's current parameters, flattened in the standalone {@code generator}'s order, for the executors. */
    public GeneratorSnapshot snapshot(long id, ComputationGraph generator) {
        return new GeneratorSnapshot(id, generatorJson, updateGenerator(generator).params().toFloatVector());
    }
}
