package io.sparktrain.trainer.gan;

import java.io.Serializable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The generator as the driver holds it after a generator phase, shipped to the executors to make
 * the fakes of the next discriminator phase. Each executor JVM builds the network once and only
 * swaps parameters when a newer snapshot arrives.
 */
public record GeneratorSnapshot(long id, String configJson, float[] params) implements Serializable {
    /**
     * The one thread of this JVM that runs the generator. DL4J's prefetching thread calls loaders
     * inside its own workspace, where a network's output refuses to run; a thread of its own also
     * lets the tasks of one executor share the one network safely.
     */
    private static final ExecutorService GENERATOR_THREAD = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "gan-generator");
        thread.setDaemon(true);
        return thread;
    });
    // Touched by the generator thread alone.
    private static ComputationGraph cached;
    private static String cachedJson;
    private static long cachedId = Long.MIN_VALUE;

    /**
     * The generator's images for {@code noise}, flattened to one row of 784 per example. Training
     * mode: batch normalization normalizes with this batch's statistics, as it does when the
     * generator trains.
     */
    public INDArray generate(INDArray noise) {
        INDArray input = noise.detach();
        try {
            return GENERATOR_THREAD.submit(() -> generateHere(input)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating fakes", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the generator failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private INDArray generateHere(INDArray noise) {
        if (cached == null || !configJson.equals(cachedJson)) {
            cached = new ComputationGraph(ComputationGraphConfiguration.fromJson(configJson));
            cached.init();
            cachedJson = configJson;
            cachedId = Long.MIN_VALUE;
        }
        if (cachedId != id) {
            cached.setParams(Nd4j.createFromArray(params).reshape(1, params.length));
            cachedId = id;
        }
        return GanImages.flatten(cached.outputSingle(true, noise)).dup();
    }
}
