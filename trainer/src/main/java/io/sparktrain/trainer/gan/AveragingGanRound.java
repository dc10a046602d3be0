package io.sparktrain.trainer.gan;

import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.EpochRound;
import io.sparktrain.trainer.loop.SyncRound;
import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.SyncStrategies;
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.Traffic;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;

/**
 * A GAN round under parameter averaging, in two Spark jobs: the discriminator trains across the
 * executors on real shards and as many fakes, which each executor generates with the round's
 * generator; then the generator trains through the adversarial network, whose frozen
 * discriminator is first copied from the one just trained. Both networks are averaged, updater
 * state included, each by a training master of its own.
 */
final class AveragingGanRound implements GanRound {
    private final JavaSparkContext sc;
    private final TrainConfig config;
    private final SyncRound round;
    private final SyncStrategy discriminatorSync;
    private final SyncStrategy generatorSync;
    private final SparkComputationGraph discriminator;
    private final SparkComputationGraph adversarial;
    private final String generatorJson;
    private final ComputationGraph generator;
    private final LossProbe probe;

    /** @param generator the driver's standalone generator, refreshed for every round's fakes */
    AveragingGanRound(JavaSparkContext sc, TrainConfig config, SyncRound round, GanNetworks networks,
            ComputationGraph generator, LossProbe probe) {
        this.sc = sc;
        this.config = config;
        this.round = round;
        // The discriminator fits real images and fakes apart: two fits per minibatch.
        this.discriminatorSync = SyncStrategies.create(config, sc, 2);
        this.generatorSync = SyncStrategies.create(config, sc);
        this.discriminator = new SparkComputationGraph(sc, networks.discriminator(),
                discriminatorSync.trainingMaster());
        this.adversarial = new SparkComputationGraph(sc, networks.adversarial(), generatorSync.trainingMaster());
        this.generatorJson = networks.generatorJson();
        this.generator = generator;
        this.probe = probe;
    }

    @Override
    public int batchesPerRound() {
        return generatorSync.batchesPerRound() * config.gan().discriminatorSteps();
    }

    @Override
    public GanNetworks networks() {
        return new GanNetworks(discriminator.getNetwork(), adversarial.getNetwork(), generatorJson);
    }

    /**
     * A worker sends each network's parameters and updater state to the driver once per round:
     * the discriminator's after {@code sync.averaging-frequency} real minibatches, the adversarial
     * network's after {@code gan.discriminator-steps} times as many.
     */
    @Override
    public double takeBytesPerStep() {
        TrainConfig.Sync sync = config.sync();
        return Traffic.averagingBytesPerStep(discriminator.getNetwork(), sync.averageUpdaterState(),
                sync.averagingFrequency()) + Traffic.averagingBytesPerStep(adversarial.getNetwork(),
                        sync.averageUpdaterState(), sync.averagingFrequency() * config.gan().discriminatorSteps());
    }

    @Override
    public Losses fit(EpochRound next, RoundPlace place) {
        double discriminatorLoss = fitDiscriminator(next, place);
        networks().copyDiscriminator();
        int steps = config.gan().discriminatorSteps();
        List<String> generatorSlots = next.paths().subList(0, (next.paths().size() + steps - 1) / steps);
        round.fit(adversarial, generatorSync, generatorSlots, new GeneratorBatches(
                config.training().batchSizePerWorker(), config.gan().noiseSize(), config.data().shuffleSeed(),
                place.epoch()), place, "generator");
        return new Losses(discriminatorLoss, adversarial.getScore());
    }

    /**
     * Fits the discriminator on a round's real images and as many fakes, which each executor makes
     * with the generator as the round starts; returns its loss against that generator.
     */
    private double fitDiscriminator(EpochRound next, RoundPlace place) {
        // Ids tell an executor's cached generator that its parameters are stale; random ones
        // stay apart across runs in one JVM.
        Broadcast<GeneratorSnapshot> snapshot = sc.broadcast(
                networks().snapshot(ThreadLocalRandom.current().nextLong(), generator));
        try {
            round.fit(discriminator, discriminatorSync, DiscriminatorBatches.slots(next.paths(), next.rows()),
                    new DiscriminatorBatches(snapshot, config.gan().noiseSize(), config.data().shuffleSeed(),
                            place.epoch()), place, "discriminator");
        } finally {
            snapshot.destroy();
        }
        return probe.loss(discriminator.getNetwork(), generator);
    }
}
