package io.sparktrain.trainer.gan;

import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.loop.EpochRound;
import io.sparktrain.trainer.loop.SyncRound;
import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.allreduce.BarrierStages;
import io.sparktrain.trainer.sync.allreduce.GradientSum;
import io.sparktrain.trainer.sync.allreduce.NetworkState;
import io.sparktrain.trainer.sync.allreduce.RingAllreduce;
import io.sparktrain.trainer.sync.allreduce.StepExchange;
import io.sparktrain.trainer.sync.sharing.RingSharing;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A GAN round under {@code sync.strategy = allreduce} or {@code gradient-sharing}: one barrier
 * stage in which every worker alternates step by step, as one machine does: the discriminator fits
 * the step's real images, then as many fakes from the generator as it is at that step, and after
 * every {@code gan.discriminator-steps} such steps the generator fits once through the adversarial
 * network, with the discriminator just trained copied in. The workers exchange every fit's step
 * over the ring, so the generator that makes a step's fakes is never more than one step old (under
 * averaging it is as old as the round). Under allreduce the exchange sums the gradients, so the
 * workers make one update per combined minibatch of all of them; under gradient sharing each worker
 * applies its own update and the others' threshold-encoded ones ({@link RingSharing}), each network
 * with a residual and threshold of its own.
 */
final class RingGanRound implements GanRound {
    private final JavaSparkContext sc;
    private final SyncRound round;
    private final String strategy;
    private final int batchesPerRound;
    private final BarrierStages stages;
    private final Settings settings;
    private final GanNetworks networks;
    private final ComputationGraph generator;
    private final LossProbe probe;
    /**
     * Under gradient sharing, each network's threshold algorithm as the last stage of the epoch left
     * it. Every epoch starts from the configured one, so a run resumed from a checkpoint goes on as
     * it would have gone uninterrupted.
     */
    private final ThresholdAlgorithm initialThreshold;
    private ThresholdAlgorithm discriminatorThreshold;
    private ThresholdAlgorithm generatorThreshold;
    private int thresholdEpoch;
    private long sentBytes;
    private long steps;

    /**
     * @param sharing the threshold encoding under gradient sharing; empty under allreduce
     * @param generator the driver's standalone generator, refreshed after every round
     */
    RingGanRound(JavaSparkContext sc, SyncRound round, String strategy, int workers, int stepsPerStage,
            RoundSettings roundSettings, Optional<RingSharing.Settings> sharing, GanNetworks networks,
            ComputationGraph generator, LossProbe probe) {
        this.sc = sc;
        this.round = round;
        this.strategy = strategy;
        this.batchesPerRound = workers * stepsPerStage * roundSettings.discriminatorSteps();
        this.stages = new BarrierStages(workers);
        this.settings = new Settings(new Storage(sc.hadoopConfiguration()), roundSettings, sharing.orElse(null));
        this.networks = networks;
        this.generator = generator;
        this.probe = probe;
        this.initialThreshold = sharing.map(RingSharing.Settings::thresholdAlgorithm).orElse(null);
    }

    @Override
    public int batchesPerRound() {
        return batchesPerRound;
    }

    @Override
    public GanNetworks networks() {
        return networks;
    }

    @Override
    public double takeBytesPerStep() {
        double perStep = steps > 0 ? (double) sentBytes / steps : Double.NaN;
        sentBytes = 0;
        steps = 0;
        return perStep;
    }

    @Override
    public Losses fit(EpochRound next, RoundPlace place) {
        double generatorLoss = round.run(place, "discriminator and generator", strategy,
                () -> fit(next.paths(), place.epoch()));
        networks.updateGenerator(generator);
        return new Losses(probe.loss(networks.discriminator(), generator), generatorLoss);
    }

    /**
     * Trains the networks on the real shards of one round in epoch {@code epoch}, and returns the
     * generator's loss averaged over the round's steps.
     */
    double fit(List<String> shards, int epoch) {
        // Learning-rate schedules read the epochs completed.
        networks.discriminator().getConfiguration().setEpochCount(epoch - 1);
        networks.adversarial().getConfiguration().setEpochCount(epoch - 1);
        if (epoch != thresholdEpoch) {
            discriminatorThreshold = initialThreshold;
            generatorThreshold = initialThreshold;
            thresholdEpoch = epoch;
        }
        Broadcast<Start> start = sc.broadcast(new Start(NetworkState.of(networks.discriminator()),
                NetworkState.of(networks.adversarial()), networks.generatorJson(), discriminatorThreshold,
                generatorThreshold));
        try {
            Outcome first = stages.run(sc, shards, new Steps(start, settings, epoch), Outcome.class);
            first.discriminator().applyTo(networks.discriminator());
            first.adversarial().applyTo(networks.adversarial());
            if (first.discriminatorThreshold() != null) {
                discriminatorThreshold = first.discriminatorThreshold();
            }
            if (first.generatorThreshold() != null) {
                generatorThreshold = first.generatorThreshold();
            }
            sentBytes += first.sentBytes();
            steps += first.steps();
            return first.generatorExamples() > 0 ? first.generatorLossSum() / first.generatorExamples() : Double.NaN;
        } finally {
            start.destroy();
        }
    }

    /** The generator's minibatch, the noise and the alternation. */
    record RoundSettings(int rows, int noiseSize, long seed, int discriminatorSteps) implements Serializable {}

    /** Where the real shards are, the round's settings, and the encoding: null under allreduce. */
    private record Settings(Storage storage, RoundSettings round, RingSharing.Settings sharing)
            implements Serializable {}

    /** Both networks as the round starts, the generator's configuration and, under sharing, the thresholds. */
    private record Start(NetworkState discriminator, NetworkState adversarial, String generatorJson,
            ThresholdAlgorithm discriminatorThreshold, ThresholdAlgorithm generatorThreshold)
            implements Serializable {}

    /**
     * The first worker's networks and thresholds after the round, the generator's summed loss and
     * examples, and the worker's real minibatches and the bytes it sent over the ring for them.
     */
    private record Outcome(NetworkState discriminator, NetworkState adversarial,
            ThresholdAlgorithm discriminatorThreshold, ThresholdAlgorithm generatorThreshold,
            long generatorExamples, double generatorLossSum, long steps, long sentBytes) implements Serializable {}

    /** One worker's part of the round. */
    private record Steps(Broadcast<Start> start, Settings settings, int epoch) implements BarrierStages.Work<Outcome> {
        @Override
        public Outcome run(List<String> shards, RingAllreduce ring) throws IOException {
            NativeLayerOps.enableInThisJvm();
            Start begin = start.value();
            GanNetworks gan = new GanNetworks(begin.discriminator().build(), begin.adversarial().build(),
                    begin.generatorJson());
            ComputationGraph generator = gan.generator();
            StepExchange discriminatorExchange = exchange(gan.discriminator(), ring, begin.discriminatorThreshold());
            StepExchange generatorExchange = exchange(gan.adversarial(), ring, begin.generatorThreshold());
            RoundSettings round = settings.round();
            GeneratorBatches generatorBatches = new GeneratorBatches(round.rows(), round.noiseSize(), round.seed(),
                    epoch);
            int steps = round.discriminatorSteps();
            for (int i = 0; i < shards.size(); i++) {
                String shard = shards.get(i);
                INDArray real = ShardSet.read(settings.storage(), shard).getFeatures();
                gan.discriminator().fit(DiscriminatorBatches.real(real));
                INDArray noise = DiscriminatorBatches.noise(round.seed(), epoch, shard, (int) real.size(0),
                        round.noiseSize());
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
            discriminatorExchange.finish();
            generatorExchange.finish();
            return new Outcome(NetworkState.of(gan.discriminator()), NetworkState.of(gan.adversarial()),
                    thresholdOf(discriminatorExchange), thresholdOf(generatorExchange),
                    generatorExchange.examples(), generatorExchange.lossSum(), shards.size(), ring.sentBytes());
        }

        private StepExchange exchange(ComputationGraph network, RingAllreduce ring, ThresholdAlgorithm threshold) {
            if (settings.sharing() == null) {
                GradientSum sum = new GradientSum(ring);
                network.setListeners(sum);
                return sum;
            }
            return new RingSharing(ring, network, settings.sharing().startingFrom(threshold));
        }

        /** The threshold to start the next stage from; null under allreduce, or when this stage never encoded. */
        private static ThresholdAlgorithm thresholdOf(StepExchange exchange) {
            return exchange instanceof RingSharing sharing ? sharing.thresholdAlgorithm() : null;
        }
    }
}
