package io.sparktrain.trainer.sync.allreduce;

import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.model.NativeLayerOps;
import java.io.IOException;
import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.TrainingResult;
import org.deeplearning4j.spark.api.TrainingWorker;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Synchronous data parallelism with DistributedDataParallel's semantics, as one Spark barrier
 * stage per call ({@link BarrierStages}): its tasks start from the driver's parameters and
 * optimizer state, and at every step each fits one minibatch of its own, the workers' raw
 * gradients are summed over a TCP ring ({@link GradientSum}) before any optimizer sees them, and
 * every worker applies the same update, so the replicas stay equal: bit for bit while their
 * minibatches are of one size, to rounding in a step where one is shorter. The driver takes the
 * first worker's parameters and optimizer state at the stage's end.
 */
final class AllreduceTrainingMaster implements TrainingMaster<TrainingResult, TrainingWorker<TrainingResult>> {
    private final BarrierStages stages;

    AllreduceTrainingMaster(int workers) {
        this.stages = new BarrierStages(workers);
    }

    @Override
    public void executeTrainingPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph,
            JavaRDD<String> paths, DataSetLoader loader, MultiDataSetLoader multiLoader) {
        if (graph == null || loader == null) {
            throw new UnsupportedOperationException("allreduce trains ComputationGraphs from DataSet paths only");
        }
        JavaSparkContext sc = graph.getSparkContext();
        ComputationGraph driver = graph.getNetwork();
        Broadcast<NetworkState> start = sc.broadcast(NetworkState.of(driver));
        try {
            Outcome first = stages.run(sc, paths.collect(),
                    new Steps(start, new Storage(sc.hadoopConfiguration()), loader), Outcome.class);
            first.network().applyTo(driver);
            graph.setScore(first.examples() > 0 ? first.lossSum() / first.examples() : Double.NaN);
        } finally {
            start.destroy();
        }
    }

    /** The first worker's network after the stage, and the examples and summed loss of every step. */
    record Outcome(NetworkState network, long examples, double lossSum) implements Serializable {}

    /** One worker's part of the stage: a minibatch per path, each step's gradient summed over the ring. */
    private record Steps(Broadcast<NetworkState> start, Storage storage, DataSetLoader loader)
            implements BarrierStages.Work<Outcome> {
        @Override
        public Outcome run(List<String> paths, RingAllreduce ring) throws IOException {
            NativeLayerOps.enableInThisJvm();
            ComputationGraph network = start.value().build();
            GradientSum sum = new GradientSum(ring);
            network.setListeners(sum);
            for (String path : paths) {
                network.fit(ShardSet.read(storage, path, loader));
            }
            return new Outcome(NetworkState.of(network), sum.examples(), sum.lossSum());
        }
    }

    @Override
    public TrainingWorker<TrainingResult> getWorkerInstance(SparkDl4jMultiLayer network) {
        throw new UnsupportedOperationException("allreduce has no DL4J training workers");
    }

    @Override
    public TrainingWorker<TrainingResult> getWorkerInstance(SparkComputationGraph graph) {
        throw new UnsupportedOperationException("allreduce has no DL4J training workers");
    }

    @Override
    public void executeTraining(SparkDl4jMultiLayer network, JavaRDD<DataSet> trainingData) {
        throw new UnsupportedOperationException("allreduce trains from DataSet paths only");
    }

    @Override
    public void executeTraining(SparkComputationGraph graph, JavaRDD<DataSet> trainingData) {
        throw new UnsupportedOperationException("allreduce trains from DataSet paths only");
    }

    @Override
    public void executeTrainingMDS(SparkComputationGraph graph, JavaRDD<MultiDataSet> trainingData) {
        throw new UnsupportedOperationException("allreduce trains from DataSet paths only");
    }

    @Override
    public void removeHook(TrainingHook hook) {
        throw new UnsupportedOperationException("allreduce takes no training hooks");
    }

    @Override
    public void addHook(TrainingHook hook) {
        throw new UnsupportedOperationException("allreduce takes no training hooks");
    }

    @Override
    public String toJson() {
        throw new UnsupportedOperationException("allreduce is configured by sync.strategy, not DL4J JSON");
    }

    @Override
    public String toYaml() {
        throw new UnsupportedOperationException("allreduce is configured by sync.strategy, not DL4J YAML");
    }

    @Override
    public void setCollectTrainingStats(boolean collect) {
        if (collect) {
            throw new UnsupportedOperationException("allreduce collects no DL4J training statistics");
        }
    }

    @Override
    public boolean getIsCollectTrainingStats() {
        return false;
    }

    @Override
    public SparkTrainingStats getTrainingStats() {
        return null;
    }

    @Override
    public void setListeners(Collection<TrainingListener> listeners) {
        throw new UnsupportedOperationException("allreduce takes no DL4J listeners");
    }

    @Override
    public void setListeners(StatsStorageRouter router, Collection<TrainingListener> listeners) {
        throw new UnsupportedOperationException("allreduce takes no DL4J listeners");
    }

    @Override
    public boolean deleteTempFiles(JavaSparkContext sc) {
        return true;
    }

    @Override
    public boolean deleteTempFiles(org.apache.spark.SparkContext sc) {
        return true;
    }
}
