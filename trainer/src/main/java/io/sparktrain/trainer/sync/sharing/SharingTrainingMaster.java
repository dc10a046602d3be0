package io.sparktrain.trainer.sync.sharing;

import java.io.Serializable;
import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithmReducer;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.parameterserver.conf.SharedTrainingConfiguration;
import org.deeplearning4j.spark.parameterserver.pw.SharedTrainingWrapper;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingResult;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingWorker;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;

/**
 * DL4J's {@link SharedTrainingMaster} with two defects of 1.0.0-M2 fixed.
 *
 * <p>Results are combined correctly. Every task of a job returns a result, but only one task per
 * executor trains and reports the loss, the updater state and the threshold algorithm; DL4J's
 * aggregation resets the sums whenever it meets one of the other, empty results, so the driver
 * usually received a loss of 0 and no updater state.
 *
 * <p>Every job's replicas start from the driver's parameters and counters. DL4J broadcasts the
 * network once and keeps each executor's replica across jobs, while an executor that finished its
 * minibatches first ignores the updates the others still send in that job: the replicas drift
 * apart for good, the more so the less evenly the executors run (a busy 2-core machine: 65% test
 * accuracy where averaging reached 95%). The driver applies every update, so its parameters are
 * the ones to restart from.
 */
final class SharingTrainingMaster extends SharedTrainingMaster {
    private transient JobOutcome lastJob;

    /**
     * @param workers training replicas (executor JVMs); DL4J reads it only for logging and repartitioning,
     *     which is off: the training loop hands over one partition per worker
     */
    SharingTrainingMaster(VoidConfiguration network, int workers, ThresholdAlgorithm thresholdAlgorithm,
            ResidualPostProcessor residualPostProcessor, int batchSize, int prefetchBatches, int workersPerNode) {
        super(network, workers, RDDTrainingApproach.Export, StorageLevel.MEMORY_ONLY_SER(), false,
                RepartitionStrategy.Balanced, Repartition.Never, thresholdAlgorithm, residualPostProcessor, batchSize,
                batchSize, 0L, workersPerNode, prefetchBatches, null, true, 5000, false);
    }

    @Override
    public SharedTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        // DL4J broadcasts only when there is no broadcast yet: drop the last job's to send current parameters.
        if (broadcastModel != null) {
            broadcastModel.unpersist(false);
            broadcastModel = null;
        }
        SharedTrainingWorker worker = super.getWorkerInstance(graph);
        return new ResynchronizingWorker(worker.getInstanceId(), worker.getBroadcastModel(),
                worker.getBroadcastConfiguration(), worker.getListeners(), worker.getRouter(),
                worker.getWorkerTogglePeriodicGC(), worker.getWorkerPeriodicGCFrequency());
    }

    /**
     * Sets the executor's replica to the broadcast parameters and training counters before it
     * trains. DL4J asks for the broadcast network at the start of every job but, after the first,
     * trains its kept replica, whose epoch count its own fit advances once per job: a per-epoch
     * learning-rate schedule would decay every job. The driver's counters are the epochs completed
     * and the minibatches each worker fitted, which the schedule and Adam's bias correction read.
     */
    static final class ResynchronizingWorker extends SharedTrainingWorker {
        private static final long serialVersionUID = 1L;

        ResynchronizingWorker(long instanceId, Broadcast<NetBroadcastTuple> broadcastModel,
                Broadcast<SharedTrainingConfiguration> configuration, List<TrainingListener> listeners,
                StatsStorageRouter router, Boolean periodicGc, Integer gcFrequency) {
            super(instanceId, broadcastModel, configuration, listeners, router, periodicGc, gcFrequency);
        }

        @Override
        public ComputationGraph getInitialModelGraph() {
            ComputationGraph broadcast = super.getInitialModelGraph();
            ComputationGraphConfiguration driver = broadcast.getConfiguration();
            ComputationGraph replica = (ComputationGraph) replicaOf(SharedTrainingWrapper.getInstance(getInstanceId()));
            if (replica != null) {
                // In place: the executor's update consumer and encoder hold views of these parameters.
                replica.params().assign(broadcast.params());
                replica.getConfiguration().setIterationCount(driver.getIterationCount());
                replica.getConfiguration().setEpochCount(driver.getEpochCount());
            } else {
                // The first job trains this network, after DL4J sets its counters from the parameter server's.
                startParameterServerAt(ModelParameterServer.getInstance(), driver.getIterationCount(),
                        driver.getEpochCount());
            }
            return broadcast;
        }

        static Model replicaOf(SharedTrainingWrapper wrapper) {
            return (Model) field(SharedTrainingWrapper.class, "originalModel", wrapper);
        }

        private static void startParameterServerAt(ModelParameterServer server, int iteration, int epoch) {
            ((AtomicInteger) field(ModelParameterServer.class, "iterationNumber", server)).set(iteration);
            ((AtomicInteger) field(ModelParameterServer.class, "epochNumber", server)).set(epoch);
        }

        private static Object field(Class<?> owner, String name, Object instance) {
            try {
                Field field = owner.getDeclaredField(name);
                field.setAccessible(true);
                return field.get(instance);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("this DL4J's " + owner.getSimpleName() + " has no field " + name
                        + "; gradient sharing needs DL4J 1.0.0-M2", e);
            }
        }
    }

    /** What the driver learned from the last job. */
    JobOutcome lastJob() {
        return lastJob;
    }

    /**
     * @param minibatchesPerExecutor minibatches each executor fitted, by executor id
     * @param loss mean of the trainers' last minibatch losses; NaN if none reported
     * @param thresholdAlgorithm the reduced algorithm with every JVM's encoding totals; null if none trained
     */
    record JobOutcome(Map<String, Integer> minibatchesPerExecutor, double loss,
            MeteredThresholdAlgorithm thresholdAlgorithm) {}

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
            JavaRDD<SharedTrainingResult> results) {
        Sums sums = results.treeAggregate(new Sums(), Sums::add, Sums::merge, 2);
        // Updates still queued on the driver's silent replica are applied here.
        finalizeTraining();
        INDArray updaterState = network != null ? network.getNetwork().getUpdater().getStateViewArray()
                : graph.getNetwork().getUpdater().getStateViewArray();
        if (sums.updaterState != null && updaterState != null) {
            updaterState.assign(sums.updaterState.divi(sums.trainers));
        }
        double loss = sums.trainers > 0 ? sums.scoreSum / sums.trainers : Double.NaN;
        if (network != null) {
            network.getNetwork().setScore(loss);
            network.setScore(loss);
        } else {
            graph.getNetwork().setScore(loss);
            graph.setScore(loss);
        }
        MeteredThresholdAlgorithm reduced = null;
        if (sums.thresholdReducer != null) {
            reduced = (MeteredThresholdAlgorithm) sums.thresholdReducer.getFinalResult();
            // The next job's workers continue from this threshold, as DL4J intends.
            thresholdAlgorithm = reduced;
        }
        lastJob = new JobOutcome(Map.copyOf(sums.minibatchesPerExecutor), loss, reduced);
        Nd4j.getExecutioner().commit();
    }

    /** Sums over the results of one job; empty results contribute only their minibatch counts. */
    static final class Sums implements Serializable {
        private static final long serialVersionUID = 1L;
        INDArray updaterState;
        int trainers;
        double scoreSum;
        ThresholdAlgorithmReducer thresholdReducer;
        final Map<String, Integer> minibatchesPerExecutor = new HashMap<>();

        static Sums add(Sums sums, SharedTrainingResult result) {
            if (result.getMinibatchesPerExecutor() != null) {
                result.getMinibatchesPerExecutor().forEach((id, n) -> sums.minibatchesPerExecutor.merge(id, n, Integer::sum));
            }
            if (result.getAggregationsCount() > 0) {
                sums.trainers += result.getAggregationsCount();
                sums.scoreSum += result.getScoreSum();
                if (result.getUpdaterStateArray() != null) {
                    sums.updaterState = sums.updaterState == null ? result.getUpdaterStateArray().dup()
                            : sums.updaterState.addi(result.getUpdaterStateArray());
                }
            }
            ThresholdAlgorithm algorithm = result.getThresholdAlgorithm();
            if (algorithm != null) {
                if (sums.thresholdReducer == null) {
                    sums.thresholdReducer = algorithm.newReducer();
                }
                sums.thresholdReducer.add(algorithm);
            }
            return sums;
        }

        static Sums merge(Sums a, Sums b) {
            b.minibatchesPerExecutor.forEach((id, n) -> a.minibatchesPerExecutor.merge(id, n, Integer::sum));
            a.trainers += b.trainers;
            a.scoreSum += b.scoreSum;
            if (b.updaterState != null) {
                a.updaterState = a.updaterState == null ? b.updaterState : a.updaterState.addi(b.updaterState);
            }
            if (b.thresholdReducer != null) {
                a.thresholdReducer = a.thresholdReducer == null ? b.thresholdReducer
                        : a.thresholdReducer.merge(b.thresholdReducer);
            }
            return a;
        }
    }
}
