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
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaFutureAction;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * at the stage's end. A lost task fails the stage, and with it Spark's job, since Spark does not rerun a
 * failed barrier result stage; this master runs it again from the same start on the task slots left.
 * The ring admits only connections that show the stage's random token, which reached the workers
 * through Spark (encrypted when the cluster has a secret); the gradients travel unencrypted.
 *
 * <p>Minibatches go to the workers in turn, step by step: step {@code s} fits minibatches
 * {@code s * workers .. s * workers + workers - 1} of the stage's order, as one machine would fit
 * them merged. When they do not divide evenly, the last step repeats the stage's first minibatches
 * on the workers left without one, as PyTorch's DistributedSampler pads.
 */
final class AllreduceTrainingMaster implements TrainingMaster<TrainingResult, TrainingWorker<TrainingResult>> {
    private static final Logger log = LoggerFactory.getLogger(AllreduceTrainingMaster.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMinutes(2);
    /** How long a failed stage waits for Spark to notice a lost executor; see {@link #slotsAfterFailure}. */
    private static final Duration SETTLE = Duration.ofSeconds(5);
    /** How often the driver compares Spark's task slots with a running stage's workers. */
    private static final Duration SLOT_WATCH = Duration.ofMillis(200);
    /** What Spark's DAGScheduler says when it gives up on a job whose barrier stage failed. */
    private static final String FAILED_BARRIER_STAGE = "Could not recover from a failed barrier ResultStage";
    private static final Pattern LOCAL_WITH_FAILURES = Pattern.compile("local\\[[^,\\]]+,\\s*(\\d+)\\]");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int workers;
    /** The workers of the last stage when Spark had fewer task slots than configured; 0 otherwise. */
    private int narrowedTo;

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
        List<String> all = paths.collect();
        ComputationGraph driver = graph.getNetwork();
        byte[] token = new byte[16];
        RANDOM.nextBytes(token);
        Broadcast<Start> start = sc.broadcast(new Start(driver.getConfiguration().toJson(), driver.params(),
                driver.getUpdater().getStateViewArray(), driver.getConfiguration().getIterationCount(),
                driver.getConfiguration().getEpochCount(), token));
        try {
            Outcome first = trainWithReruns(sc, start, all, loader);
            driver.setParams(first.params());
            if (first.updaterState() != null) {
                driver.getUpdater().getStateViewArray().assign(first.updaterState());
            }
            driver.getConfiguration().setIterationCount(first.iterations());
            graph.setScore(first.examples() > 0 ? first.lossSum() / first.examples() : Double.NaN);
        } finally {
            start.destroy();
        }
    }

    /**
     * Runs the stage on as many of the workers as there are task slots, and again from the same
     * start on the slots left when an attempt fails (a lost executor fails every task of a barrier
     * stage, and Spark then gives up on the job) or when Spark loses a slot the attempt needs
     * (a stage submitted as an executor died would otherwise wait ten minutes in Spark's check of
     * a barrier stage's slots), up to Spark's own limit on a task's attempts.
     */
    private Outcome trainWithReruns(JavaSparkContext sc, Broadcast<Start> start, List<String> paths,
            DataSetLoader loader) {
        int attempts = attempts(sc);
        int ranks = ranks(workers, paths.size(), taskSlots(sc));
        boolean narrowed = ranks < Math.min(workers, paths.size());
        if (narrowed && ranks != narrowedTo) {
            log.warn("allreduce: {} worker(s) configured, {} task slot(s) left: stages run on {} worker(s)",
                    workers, taskSlots(sc), ranks);
        } else if (!narrowed && narrowedTo > 0) {
            log.info("allreduce: stages run on all {} worker(s) again", ranks);
        }
        narrowedTo = narrowed ? ranks : 0;
        for (int attempt = 1; ; attempt++) {
            RDD<Outcome> trained = sc.parallelize(assign(paths, ranks), ranks).rdd().barrier().mapPartitions(
                    new Stage(start, new Storage(sc.hadoopConfiguration()), loader), false,
                    ClassTag$.MODULE$.apply(Outcome.class));
            JavaFutureAction<List<Outcome>> stage = trained.toJavaRDD().collectAsync();
            Throwable failure;
            try {
                Optional<List<Outcome>> outcomes = awaitUnlessSlotsLost(sc, stage, ranks);
                if (outcomes.isPresent()) {
                    return outcomes.get().stream().filter(o -> o.rank() == 0).findFirst().orElseThrow(
                            () -> new IllegalStateException("allreduce: the first worker returned nothing"));
                }
                failure = null;
            } catch (ExecutionException e) {
                failure = e.getCause();
                // A cancelled job (the round's time limit) is not a failed stage and does not run again.
                if (attempt == attempts || !String.valueOf(failure.getMessage()).contains(FAILED_BARRIER_STAGE)) {
                    throw AllreduceTrainingMaster.<RuntimeException>rethrow(failure);
                }
            }
            if (attempt == attempts) {
                throw new IllegalStateException("allreduce: Spark lost task slots during each of " + attempts
                        + " attempts of a stage");
            }
            int previous = ranks;
            ranks = ranks(workers, paths.size(), slotsAfterFailure(sc, previous));
            log.warn("allreduce: attempt {} of {} of a stage on {} worker(s) {}; it runs again from its start on {} "
                    + "worker(s)", attempt, attempts, previous, failure == null ? "lost a task slot"
                    : "failed (" + withoutStackTrace(failure.getMessage()) + ")", ranks);
        }
    }

    /**
     * The stage's results, or none once Spark counts fewer task slots than the stage's workers: the
     * stage is then cancelled, since it could neither start nor finish.
     */
    private static Optional<List<Outcome>> awaitUnlessSlotsLost(JavaSparkContext sc,
            JavaFutureAction<List<Outcome>> stage, int ranks) throws ExecutionException {
        try {
            while (true) {
                try {
                    return Optional.of(stage.get(SLOT_WATCH.toMillis(), TimeUnit.MILLISECONDS));
                } catch (TimeoutException e) {
                    int slots = taskSlots(sc);
                    if (slots > 0 && slots < ranks) {
                        stage.cancel(true);
                        return Optional.empty();
                    }
                }
            }
        } catch (InterruptedException e) {
            stage.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("allreduce: interrupted while a stage ran", e);
        }
    }

    /** Spark's message of a failed stage without the task's stack trace that it carries. */
    private static String withoutStackTrace(String message) {
        return String.valueOf(message).lines().filter(line -> !line.startsWith("\t")).collect(Collectors.joining(" "));
    }

    /**
     * Throws Spark's failure of the job unchanged, as a synchronous collect would: it is a checked
     * SparkException that Scala never declares, and the job launcher reads its causes.
     */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException rethrow(Throwable failure) throws E {
        throw (E) failure;
    }

    /**
     * Attempts of a stage: {@code spark.task.maxFailures}, as Spark allows a task of an ordinary
     * stage, or F of a {@code local[N,F]} master (plain local masters try once, as Spark does).
     */
    static int attempts(JavaSparkContext sc) {
        if (!sc.isLocal()) {
            return Math.max(1, sc.getConf().getInt("spark.task.maxFailures", 4));
        }
        Matcher withFailures = LOCAL_WITH_FAILURES.matcher(sc.master());
        return withFailures.matches() ? Math.max(1, Integer.parseInt(withFailures.group(1))) : 1;
    }

    /** Workers of a stage: no more than its paths, nor than the slots Spark counts (0 when none has registered yet). */
    static int ranks(int workers, int paths, int slots) {
        int wanted = Math.max(1, Math.min(workers, paths));
        return slots > 0 ? Math.min(wanted, slots) : wanted;
    }

    /**
     * Spark's own count of the tasks it can run at once, which its barrier scheduling compares a
     * stage against: a stage wider than this waits up to ten minutes for slots, then fails.
     */
    private static int taskSlots(JavaSparkContext sc) {
        return sc.sc().maxNumConcurrentTasks(sc.sc().resourceProfileManager().defaultResourceProfile());
    }

    /**
     * The slots once Spark has taken in a lost executor: a surviving worker's ring usually fails
     * the stage before the driver has removed the dead executor, so the count is watched for a few
     * seconds to fall below the failed stage's workers.
     */
    private static int slotsAfterFailure(JavaSparkContext sc, int failedRanks) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        int slots = taskSlots(sc);
        while (slots >= failedRanks && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            slots = taskSlots(sc);
        }
        return slots;
    }

    /** The paths of each worker in turn; the last step repeats the first paths where it falls short. */
    static List<List<String>> assign(List<String> paths, int ranks) {
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
    record Outcome(int rank, INDArray params, INDArray updaterState, int iterations, long examples, double lossSum)
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
            return new Outcome(rank, network.params().dup(), state == null ? null : state.dup(),
                    network.getConfiguration().getIterationCount(), sum.examples, sum.lossSum);
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
