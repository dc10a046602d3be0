package io.sparktrain.trainer.gan;

import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.sync.allreduce.BarrierStages;
import io.sparktrain.trainer.sync.allreduce.GradientSum;
import io.sparktrain.trainer.sync.allreduce.NetworkState;
import io.sparktrain.trainer.sync.allreduce.RingAllreduce;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A GAN round under {@code sync.strategy = allreduce}: one barrier stage in which every worker
 * alternates step by step, as one machine does: the discriminator fits the step's real images,
 * then as many fakes from the generator as it is at that step, and after every
 * {@code gan.discriminator-steps} such steps the generator fits once through the adversarial
 * network, with the discriminator just trained copied in. Every fit's gradient is summed over the
 * ring, so the workers make the same updates, one per combined minibatch of all of them, and the
 * generator that makes a step's fakes is never more than one step old (under averaging it is as
 * old as the round).
 */
final class GanAllreduce {
    private final JavaSparkContext sc;
    private final BarrierStages stages;
    private final Settings settings;

    GanAllreduce(JavaSparkContext sc, int workers, int rows, int noiseSize, long seed, int discriminatorSteps) {
        this.sc = sc;
        this.stages = new BarrierStages(workers);
        this.settings = new Settings(new Storage(sc.hadoopConfiguration()), rows, noiseSize, seed, discriminatorSteps);
    }

    /**
     * Trains {@code networks}, the driver's, on the real shards of one round in epoch {@code epoch},
     * and returns the generator's loss averaged over the round's steps.
     */
    double fit(GanNetworks networks, List<String> shards, int epoch) {
        // Learning-rate schedules read the epochs completed.
        networks.discriminator().getConfiguration().setEpochCount(epoch - 1);
        networks.adversarial().getConfiguration().setEpochCount(epoch - 1);
        Broadcast<Start> start = sc.broadcast(new Start(NetworkState.of(networks.discriminator()),
                NetworkState.of(networks.adversarial()), networks.generatorJson()));
        try {
            Outcome first = stages.run(sc, shards, new Steps(start, settings, epoch), Outcome.class);
            first.discriminator().applyTo(networks.discriminator());
            first.adversarial().applyTo(networks.adversarial());
            return first.generatorExamples() > 0 ? first.generatorLossSum() / first.generatorExamples() : Double.NaN;
        } finally {
            start.destroy();
        }
    }

    /** Where the real shards are, the generator's minibatch, the noise and the alternation. */
    private record Settings(Storage storage, int rows, int noiseSize, long seed, int discriminatorSteps)
            implements Serializable {}

    /** Both networks as the round starts, and the generator's configuration. */
    private record Start(NetworkState discriminator, NetworkState adversarial, String generatorJson)
            implements Serializable {}

    /** The first worker's networks after the round, and the generator's summed loss and examples. */
    record Outcome(NetworkState discriminator, NetworkState adversarial, long generatorExamples,
            double generatorLossSum) implements Serializable {}

    /** One worker's part of the round. */
    private record Steps(Broadcast<Start> start, Settings settings, int epoch) implements BarrierStages.Work<Outcome> {
        @Override
        public Outcome run(List<String> shards, RingAllreduce ring) throws IOException {
            NativeLayerOps.enableInThisJvm();
            GanNetworks gan = new GanNetworks(start.value().discriminator().build(),
                    start.value().adversarial().build(), start.value().generatorJson());
            ComputationGraph generator = gan.generator();
            GradientSum discriminatorSum = new GradientSum(ring);
            GradientSum generatorSum = new GradientSum(ring);
            gan.discriminator().setListeners(discriminatorSum);
            gan.adversarial().setListeners(generatorSum);
            GeneratorBatches generatorBatches = new GeneratorBatches(settings.rows(), settings.noiseSize(),
                    settings.seed(), epoch);
            int steps = settings.discriminatorSteps();
            for (int i = 0; i < shards.size(); i++) {
                String shard = shards.get(i);
                INDArray real = ShardSet.read(settings.storage(), shard).getFeatures();
                gan.discriminator().fit(DiscriminatorBatches.real(real));
                INDArray noise = DiscriminatorBatches.noise(settings.seed(), epoch, shard, (int) real.size(0),
                        settings.noiseSize());
                // Training mode, as the fakes of the other strategies are made (GeneratorSnapshot).
                gan.discriminator().fit(DiscriminatorBatches.fakes(
                        GanImages.flatten(generator.outputSingle(true, noise)).dup()));
                // Every worker has as many shards, so all of them reach each generator step together.
                if ((i + 1) % steps == 0 || i == shards.size() - 1) {
                    gan.copyDiscriminator();
                    gan.adversarial().fit(generatorBatches.forSlot(shards.get(i - i % steps)));
                    gan.updateGenerator(generator);
                }
            }
            return new Outcome(NetworkState.of(gan.discriminator()), NetworkState.of(gan.adversarial()),
                    generatorSum.examples(), generatorSum.lossSum());
        }
    }
}
