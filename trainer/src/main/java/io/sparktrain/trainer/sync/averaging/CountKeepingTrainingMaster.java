package io.sparktrain.trainer.sync.averaging;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

/**
 * DL4J's {@link ParameterAveragingTrainingMaster} with workers that continue the driver's
 * iteration and epoch counts. DL4J 1.0.0-M2 builds each worker's graph from a clone of the
 * driver's configuration, and {@code ComputationGraphConfiguration.clone()} resets both counts to
 * 0: every round then restarted Adam's bias correction and every learning-rate schedule, so one
 * worker no longer matched single-machine training (0.007 apart after two rounds of eight steps).
 * Statistics collection, which this project never enables, is not supported.
 */
final class CountKeepingTrainingMaster extends ParameterAveragingTrainingMaster {

    CountKeepingTrainingMaster(Builder builder) {
        super(builder);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ComputationGraph network = graph.getNetwork();
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(new NetBroadcastTuple(
                network.getConfiguration(), network.params(), network.getUpdater().getStateViewArray()));
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, false);
        return new Worker(broadcast, saveUpdater, configuration, this);
    }

    private static final class Worker extends ParameterAveragingTrainingWorker {
        private final Broadcast<NetBroadcastTuple> broadcast;

        Worker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration configuration,
                CountKeepingTrainingMaster master) {
            super(broadcast, saveUpdater, configuration, master.trainingHookList, master.listeners,
                    master.getRouterProvider());
            this.broadcast = broadcast;
        }

        @Override
        public ComputationGraph getInitialModelGraph() {
            ComputationGraph graph = super.getInitialModelGraph();
            // The broadcast configuration itself was serialized with its counts; only the clone lost them.
            ComputationGraphConfiguration sent = broadcast.getValue().getGraphConfiguration();
            graph.getConfiguration().setIterationCount(sent.getIterationCount());
            graph.getConfiguration().setEpochCount(sent.getEpochCount());
            return graph;
        }
    }
}
