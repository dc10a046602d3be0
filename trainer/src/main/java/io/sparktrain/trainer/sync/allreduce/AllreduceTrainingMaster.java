package io.sparktrain.trainer.sync.allreduce;

import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.model.NativeLayerOps;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.TrainingResult;
import org.deeplearning4j.spark.api.TrainingWorker;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Synchronous data parallelism with DistributedDataParallel's semantics, as one Spark barrier
 * stage per call: its tasks start from the driver's parameters and optimizer state, and at every
 * step each fits one minibatch of its own, the workers' raw gradients are summed over a TCP ring
 * ({@link RingAllreduce}) before any optimizer sees them, and every worker applies the same update,
 * so the replicas stay equal: bit for bit while their minibatches are of one size, to rounding in a
 * step where one is shorter. The driver takes the first worker's parameters and optimizer state
 * at the stage's end. A lost task fails the stage, and with it the job: Spark does not rerun a
 * failed barrier result stage.
 * The ring admits only connections that show the stage's random token, which reached the workers
 * through Spark (encrypted when the cluster has a secret); the gradients travel unencrypted.
 *
 * <p>Minibatches go to the workers in turn, step by step: step {@code s} fits minibatches
 * {@code s * workers .. s * workers + workers - 1} of the stage's order, as one machine would fit
 * them merged. When they do not divide evenly, the last step repeats the stage's first minibatches
 * on the workers left without one, as PyTorch's DistributedSampler pads.
 */
final class AllreduceTrainingMaster implements TrainingMaster<TrainingResult, TrainingWorker<TrainingResult>> {
    private static final Duration CONNECT_TIMEOUT = Duration.ofMinutes(2);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int workers;

    AllreduceTrainingMaster(int workers) {
        this.workers = workers;
    }

    @Override
    public void executeTrainingPaths(SparkDl4jMultiLayer network, SparkComputationGraph graph,
            JavaRDD<String> paths, DataSetLoader loader, MultiDataSetLoader multiLoader) {
        if (graph == null || loader == null) {
            throw new UnsupportedOperationException("allreduce trains ComputationGraphs from DataSet paths only");
        }
        JavaSparkContext sc = graph.getSparkContext();
        List<List<String>> assigned = assign(paths.collect(), workers);
        ComputationGraph driver = graph.getNetwork();
        byte[] token = new byte[16];
        RANDOM.nextBytes(token);
        Broadcast<Start> start = sc.broadcast(new Start(driver.getConfiguration().toJson(), driver.params(),
                driver.getUpdater().getStateViewArray(), driver.getConfiguration().getIterationCount(),
                driver.getConfiguration().getEpochCount(), token));
        try {
            RDD<Outcome> trained = sc.parallelize(assigned, assigned.size()).rdd().barrier().mapPartitions(
                    new Stage(start, new Storage(sc.hadoopConfiguration()), loader), false,
                    ClassTag$.MODULE$.apply(Outcome.class));
            Outcome first = trained.toJavaRDD().collect().stream().filter(o -> o.rank() == 0).findFirst()
                    .orElseThrow(() -> new IllegalStateException("allreduce: the first worker returned nothing"));
            driver.setParams(first.params());
            if (first.updaterState() != null) {
                driver.getUpdater().getStateViewArray().assign(first.updaterState());
            }
            graph.setScore(first.examples() > 0 ? first.lossSum() / first.examples() : Double.NaN);
        } finally {
            start.destroy();
        }
    }

    /** The paths of each worker in turn; the last step repeats the first paths where it falls short. */
    static List<List<String>> assign(List<String> paths, int workers) {
        int ranks = Math.max(1, Math.min(workers, paths.size()));
        int steps = (paths.size() + ranks - 1) / ranks;
        List<List<String>> assigned = new ArrayList<>();
        for (int rank = 0; rank < ranks; rank++) {
            List<String> mine = new ArrayList<>();
            for (int step = 0; step < steps; step++) {
                mine.add(paths.get((step * ranks + rank) % paths.size()));
            }
            assigned.add(mine);
        }
        return assigned;
    }

    /**
     * What every worker starts from: the driver's network, its optimizer state and its counts, and
     * the stage's secret, which admits a connection to the ring.
     */
    private record Start(String configurationJson, INDArray params, INDArray updaterState, int iterations,
            int epoch, byte[] token) implements Serializable {}

    /** The first worker's network after the stage, and the examples and summed loss of every step. */
    record Outcome(int rank, INDArray params, INDArray updaterState, long examples, double lossSum)
            implements Serializable {}

    /** One worker's part of the stage. */
    private static final class Stage extends AbstractFunction1<scala.collection.Iterator<List<String>>,
            scala.collection.Iterator<Outcome>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Broadcast<Start> start;
        private final Storage storage;
        private final DataSetLoader loader;

        Stage(Broadcast<Start> start, Storage storage, DataSetLoader loader) {
            this.start = start;
            this.storage = storage;
            this.loader = loader;
        }

        @Override
        public scala.collection.Iterator<Outcome> apply(scala.collection.Iterator<List<String>> partition) {
            List<String> paths = JavaConverters.asJavaIteratorConverter(partition).asJava().next();
            BarrierTaskContext context = BarrierTaskContext.get();
            int rank = context.partitionId();
            String address = context.getTaskInfos()[rank].address();
            String host = address.substring(0, address.lastIndexOf(':'));
            try (ServerSocketChannel server = RingAllreduce.listen(host)) {
                String[] peers = context.allGather(host + " " + ((InetSocketAddress) server.getLocalAddress())
                        .getPort());
                List<InetSocketAddress> addresses = new ArrayList<>();
                for (String peer : peers) {
                    String[] hostAndPort = peer.split(" ");
                    addresses.add(new InetSocketAddress(hostAndPort[0], Integer.parseInt(hostAndPort[1])));
                }
                try (RingAllreduce ring = RingAllreduce.connect(rank, addresses, server, start.value().token(),
                        CONNECT_TIMEOUT)) {
                    Outcome outcome = train(rank, paths, ring);
                    // The workers hold the same network (to rounding where their minibatches differed in
                    // size); the driver needs one copy.
                    return JavaConverters.asScalaIteratorConverter(
                            (rank == 0 ? List.of(outcome) : List.<Outcome>of()).iterator()).asScala();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private Outcome train(int rank, List<String> paths, RingAllreduce ring) throws IOException {
            NativeLayerOps.enableInThisJvm();
            Start from = start.value();
            ComputationGraphConfiguration configuration = ComputationGraphConfiguration.fromJson(
                    from.configurationJson());
            configuration.setIterationCount(from.iterations());
            configuration.setEpochCount(from.epoch());
            ComputationGraph network = new ComputationGraph(configuration);
            // Cloned: in local mode the broadcast value is the driver's own array.
            network.init(from.params(), true);
            // Plain SGD keeps no state.
            if (from.updaterState() != null) {
                network.getUpdater().getStateViewArray().assign(from.updaterState());
            }
            GradientSum sum = new GradientSum(ring);
            network.setListeners(sum);
            for (String path : paths) {
                network.fit(ShardSet.read(storage, path, loader));
            }
            INDArray state = network.getUpdater().getStateViewArray();
            return new Outcome(rank, network.params().dup(), state == null ? null : state.dup(), sum.examples,
                    sum.lossSum);
        }
    }

    /**
     * Called by DL4J between the backward pass and the optimizer: replaces this worker's gradient
     * with the gradient of the combined minibatch. DL4J's losses sum over examples and its updater
     * divides by the minibatch it was given, so each worker scales the summed gradient by its own
     * share of the examples first. Also sums the examples and the example-weighted loss.
     */
    private static final class GradientSum extends BaseTrainingListener {
        private final RingAllreduce ring;
        private long examples;
        private double lossSum;

        GradientSum(RingAllreduce ring) {
            this.ring = ring;
        }

        @Override
        public void onGradientCalculation(Model model) {
            INDArray gradient = model.gradient().gradient();
            int rows = model.batchSize();
            if (ring.size() == 1) {
                examples += rows;
                lossSum += rows * model.score();
                return;
            }
            float[] buffer = new float[(int) gradient.length() + 2];
            float[] own = gradient.toFloatVector();
            System.arraycopy(own, 0, buffer, 0, own.length);
            buffer[own.length] = rows;
            buffer[own.length + 1] = (float) (rows * model.score());
            try {
                ring.sum(buffer);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            float total = buffer[own.length];
            float share = rows / total;
            for (int i = 0; i < own.length; i++) {
                buffer[i] *= share;
            }
            gradient.assign(Nd4j.createFromArray(Arrays.copyOf(buffer, own.length)).reshape(gradient.shape()));
            examples += (long) total;
            lossSum += buffer[own.length + 1];
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
