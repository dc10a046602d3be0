package io.sparktrain.trainer.sync.sharing;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.sync.RoundPlace;
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.Traffic;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.NoOpResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.ResidualClippingPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.TargetSparsityThresholdAlgorithm;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.enums.ExecutionMode;
import org.nd4j.parameterserver.distributed.enums.NodeRole;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.enums.MeshBuildMode;

/**
 * Asynchronous gradient sharing (Strom 2015): every worker applies its own updates at once and
 * sends the components above a threshold, as signs and indices, to the others over Aeron UDP,
 * keeping the rest in a residual for later steps. Wraps DL4J's {@code SharedTrainingMaster}.
 *
 * <p>One worker per executor JVM: with more, DL4J 1.0.0-M2 can deadlock (see
 * {@link io.sparktrain.trainer.config.ConfigSchema#WORKERS_PER_NODE}). In local mode the single
 * executor shares the driver's JVM and parameter server, so there is one replica.
 *
 * <p>After every job the driver checks that the parameters moved and that every executor that
 * trained joined the mesh: DL4J's transport failures otherwise end the job normally, untrained.
 */
public final class GradientSharing implements SyncStrategy {
    public static final String NAME = "gradient-sharing";

    private final int workers;
    private final int batchSizePerWorker;
    private final int prefetchBatches;
    private final TrainConfig.Sharing settings;
    private final SharingNetwork network;
    private final boolean local;
    private final String session = UUID.randomUUID().toString();

    private SharingTrainingMaster master;
    private INDArray paramsBeforeRound;
    private final Set<String> trainedExecutors = new HashSet<>();
    private final Map<String, EncodingTotals> reportedTotals = new HashMap<>();
    private EncodingTotals epochTotals = EncodingTotals.NONE;
    private long epochSteps;
    private double averagingBytesPerStep = Double.NaN;
    private final int averagingFrequency;
    private final boolean averageUpdaterState;

    public GradientSharing(int workers, int batchSizePerWorker, int prefetchBatches, TrainConfig.Sync sync,
            SharingNetwork network, boolean local) {
        if (workers < 1) {
            throw new IllegalArgumentException("gradient sharing needs at least one worker, got " + workers);
        }
        this.workers = workers;
        this.batchSizePerWorker = batchSizePerWorker;
        this.prefetchBatches = prefetchBatches;
        this.settings = sync.sharing();
        this.network = network;
        this.local = local;
        this.averagingFrequency = sync.averagingFrequency();
        this.averageUpdaterState = sync.averageUpdaterState();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public int batchesPerRound() {
        return workers * settings.batchesPerFit();
    }

    public SharingNetwork network() {
        return network;
    }

    @Override
    public TrainingMaster<?, ?> trainingMaster() {
        VoidConfiguration voidConfiguration = VoidConfiguration.builder()
                .executionMode(ExecutionMode.MANAGED)
                .forcedRole(NodeRole.SHARD)
                .controllerAddress(network.controllerAddress())
                .networkMask(network.networkMask())
                .portSupplier(PortRange.parse(session, network.ports()))
                .meshBuildMode(settings.meshMode().equals("mesh") ? MeshBuildMode.MESH : MeshBuildMode.PLAIN)
                .responseTimeout(settings.networkTimeoutSeconds() * 1000L)
                .build();
        master = new SharingTrainingMaster(voidConfiguration, workers,
                new MeteredThresholdAlgorithm(session, thresholdAlgorithm(settings)), residualPostProcessor(settings),
                batchSizePerWorker, prefetchBatches, settings.workersPerNode());
        return master;
    }

    static ThresholdAlgorithm thresholdAlgorithm(TrainConfig.Sharing s) {
        return switch (s.thresholdAlgorithm()) {
            case "fixed" -> new FixedThresholdAlgorithm(s.threshold());
            case "target-sparsity" -> new TargetSparsityThresholdAlgorithm(s.threshold(), s.targetSparsity(),
                    s.thresholdDecay());
            default -> new AdaptiveThresholdAlgorithm(s.threshold(), s.minSparsity(), s.maxSparsity(),
                    s.thresholdDecay());
        };
    }

    static ResidualPostProcessor residualPostProcessor(TrainConfig.Sharing s) {
        return s.residualClipMultiple() > 0
                ? new ResidualClippingPostProcessor(s.residualClipMultiple(), s.residualClipEvery())
                : new NoOpResidualPostProcessor();
    }

    /**
     * DL4J keeps batch normalization's running mean and variance among the parameters and moves
     * them through the gradient path, so they are threshold-encoded like updates and move by at
     * most the threshold per step: far too slowly for inference (a ResNet-18 on Fashion-MNIST
     * evaluated at 13.75% where one machine reached 77.85%). Training itself normalizes with each
     * minibatch's own statistics and is unaffected.
     */
    @Override
    public int staleStatisticsBatches() {
        return settings.statisticsBatches();
    }

    @Override
    public void beforeRound(ComputationGraph model) {
        paramsBeforeRound = model.params().dup();
    }

    @Override
    public void afterRound(ComputationGraph model, RoundPlace round, long workerSteps) {
        SharingTrainingMaster.JobOutcome job = master.lastJob();
        // Exactly: INDArray.equals tolerates differences up to 1e-5, more than a small round moves a weight.
        if (model.params().sub(paramsBeforeRound).amaxNumber().doubleValue() == 0) {
            throw new IllegalStateException("gradient sharing: " + round + " left the driver's parameters "
                    + "unchanged, so the workers' updates never reached it. Check that the executors can reach "
                    + network.controllerAddress() + " over UDP on " + ConfigSchema.PORTS.key() + " = "
                    + network.ports() + ", and " + ConfigSchema.NETWORK_MASK.key() + " = " + network.networkMask());
        }
        job.minibatchesPerExecutor().forEach((executor, batches) -> {
            if (batches > 0) {
                trainedExecutors.add(executor);
            }
        });
        if (!local) {
            int joined = ModelParameterServer.getInstance().getTransport().totalNumberOfNodes();
            if (joined < trainedExecutors.size()) {
                throw new IllegalStateException("gradient sharing: " + trainedExecutors.size() + " executors trained ("
                        + trainedExecutors + ") but only " + joined + " joined the driver's mesh at "
                        + network.controllerAddress() + "; the others trained alone. Check "
                        + ConfigSchema.NETWORK_MASK.key() + " and that UDP " + network.ports() + " is open");
            }
        }
        if (job.thresholdAlgorithm() != null) {
            job.thresholdAlgorithm().totalsByJvm().forEach((jvm, totals) -> {
                EncodingTotals before = reportedTotals.getOrDefault(jvm, EncodingTotals.NONE);
                epochTotals = epochTotals.add(totals.minus(before));
                reportedTotals.put(jvm, totals);
            });
        }
        epochSteps += workerSteps;
        averagingBytesPerStep = Traffic.averagingBytesPerStep(model, averageUpdaterState, averagingFrequency);
    }

    @Override
    public Traffic takeTraffic() {
        EncodingTotals t = epochTotals;
        long sparse = t.outcomes() - t.denseOutcomes();
        Traffic traffic = new Traffic(epochSteps, t.outcomes() > 0 ? t.bytes() / t.outcomes() : Double.NaN,
                averagingBytesPerStep, t.steps() > 0 ? t.thresholdSum() / t.steps() : Double.NaN,
                sparse > 0 ? t.sparsitySum() / sparse : Double.NaN,
                t.outcomes() > 0 ? (double) t.denseOutcomes() / t.outcomes() : Double.NaN);
        epochTotals = EncodingTotals.NONE;
        epochSteps = 0;
        return traffic;
    }
}
