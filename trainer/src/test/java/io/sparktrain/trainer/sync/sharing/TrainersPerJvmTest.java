package io.sparktrain.trainer.sync.sharing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.EncodedGradientsAccumulator;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.ResidualClippingPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.trainer.DefaultTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Why `sync.sharing.workers-per-node` is 1: DL4J's gradient-sharing wrapper (ParallelWrapper with
 * an encoded-gradients accumulator, as SharedTrainingWrapper builds it on an executor) runs trainer
 * 0 on the network itself and trainer 1 on a replica, which at the start of every fit it builds and
 * then copies the network's updater into. At the end of every fit trainer 0 clears the network,
 * and a MultiLayerNetwork's clear() drops its solver, updater included; from the second fit on,
 * trainer 1 can find it missing while trainer 0 already fits. Then the two deadlock: trainer 0 holds
 * the network's monitor (its fit is synchronized) while it waits at the accumulator's barrier for
 * trainer 1, which is blocked on that monitor because creating the updater reads the network's
 * layers under it. Which trainer gets there first is a race (seen once in a Spark job here); a
 * layer that waits in the network's first forward pass of each fit, and builds replicas slowly,
 * makes trainer 1 lose it every time.
 */
class TrainersPerJvmTest {
    private static final long REPLICA_BUILD_MILLIS = 1_000;
    private static final long FIRST_STEP_MILLIS = 4_000;
    private static final long SETTLED_MILLIS = 3_000;
    private static final long FIT_SECONDS = 120;
    private static final String BROKEN = "broken by the test";

    @Test
    void aMultiLayerNetworkLosesItsUpdaterAfterAFitAndItsTrainersDeadlockInTheNext() throws Exception {
        MultiLayerNetwork network = new MultiLayerNetwork(settings().list().layer(hidden()).layer(output()).build());
        network.init();
        try (Training training = new Training(network)) {
            training.fit().get(FIT_SECONDS, TimeUnit.SECONDS);
            assertNull(network.getUpdater(false), "the first fit's end cleared the network, updater included");
            Future<?> second = training.fit();
            Deadlock deadlock = training.awaitDeadlock(FIT_SECONDS * 1000);
            assertNotNull(deadlock, "the two trainers deadlock");
            assertTrue(deadlock.blockedAt().contains("MultiLayerUpdater.<init>"), deadlock.blockedAt());
            Thread.sleep(SETTLED_MILLIS);
            assertNotNull(training.awaitDeadlock(0), "still deadlocked " + SETTLED_MILLIS + " ms later: not slow, stuck");
            training.breakAccumulator();
            ExecutionException broken = assertThrows(ExecutionException.class,
                    () -> second.get(FIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(String.valueOf(broken.getCause()).contains(BROKEN), String.valueOf(broken.getCause()));
        }
    }

    @Test
    void aComputationGraphKeepsItsUpdaterAndItsTrainersFitAgain() throws Exception {
        // The project trains only graphs: their clear() keeps the solver.
        ComputationGraph graph = new ComputationGraph(settings().graphBuilder().addInputs("in")
                .addLayer("hidden", hidden(), "in").addLayer("out", output(), "hidden").setOutputs("out").build());
        graph.init();
        try (Training training = new Training(graph)) {
            training.fit().get(FIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(graph.getUpdater(false), "the graph kept its updater");
            INDArray before = graph.params().dup();
            Future<?> second = training.fit();
            long deadline = System.currentTimeMillis() + FIT_SECONDS * 1000;
            while (!second.isDone() && System.currentTimeMillis() < deadline) {
                Deadlock deadlock = training.awaitDeadlock(0);
                assertNull(deadlock, () -> "deadlocked: " + deadlock);
                Thread.sleep(100);
            }
            second.get(0, TimeUnit.MILLISECONDS);
            assertTrue(before.neq(graph.params()).any(), "the second fit trained the graph");
        }
    }

    private static NeuralNetConfiguration.Builder settings() {
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2));
    }

    private static SlowOnTrainerThreads hidden() {
        return new SlowOnTrainerThreads(4, 16);
    }

    private static OutputLayer output() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(2)
                .activation(Activation.SOFTMAX).build();
    }

    /** Two trainers in one JVM sharing gradients, fitting the model on a separable two-class problem. */
    private static final class Training implements AutoCloseable {
        private final Model model;
        private final BreakableAccumulator accumulator = new BreakableAccumulator(2);
        private final ParallelWrapper wrapper;
        private final List<DataSet> batches = new ArrayList<>();
        private final ExecutorService caller = Executors.newSingleThreadExecutor();

        Training(Model model) {
            this.model = model;
            wrapper = new ParallelWrapper.Builder<>(model).workers(2).prefetchBuffer(2)
                    .trainingMode(ParallelWrapper.TrainingMode.CUSTOM).gradientsAccumulator(accumulator).build();
            Nd4j.getRandom().setSeed(11);
            for (int i = 0; i < 32; i++) {
                INDArray features = Nd4j.rand(DataType.FLOAT, 16, 4).subi(0.5);
                INDArray positive = features.sum(1).gt(0).castTo(DataType.FLOAT).reshape(16, 1);
                batches.add(new DataSet(features, Nd4j.hstack(positive.rsub(1), positive)));
            }
        }

        /** One fit of the wrapper over all minibatches, as SharedTrainingWrapper makes in every Spark job. */
        Future<?> fit() {
            return caller.submit(() -> wrapper.fit(new ListDataSetIterator<>(batches, 1)));
        }

        /**
         * The cycle if it closes within the wait: a trainer blocked on the model's monitor, held by a
         * trainer waiting for it at the accumulator's barrier.
         */
        Deadlock awaitDeadlock(long waitMillis) throws InterruptedException {
            int monitor = System.identityHashCode(model);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long deadline = System.currentTimeMillis() + waitMillis;
            while (true) {
                ThreadInfo[] infos = threads.dumpAllThreads(true, false);
                for (ThreadInfo blocked : infos) {
                    if (blocked.getThreadState() != Thread.State.BLOCKED || blocked.getLockInfo() == null
                            || blocked.getLockInfo().getIdentityHashCode() != monitor || !isTrainer(blocked)) {
                        continue;
                    }
                    for (ThreadInfo holder : infos) {
                        if (holder.getThreadId() == blocked.getLockOwnerId() && atBarrier(holder)) {
                            return new Deadlock(stack(blocked), stack(holder));
                        }
                    }
                }
                if (System.currentTimeMillis() >= deadline) {
                    return null;
                }
                Thread.sleep(50);
            }
        }

        /** Fails the accumulator, which every trainer waiting in it checks. */
        void breakAccumulator() {
            accumulator.fail(new IllegalStateException(BROKEN));
        }

        private static boolean isTrainer(ThreadInfo info) {
            return Arrays.stream(info.getStackTrace()).anyMatch(frame -> isTrainerClass(frame.getClassName()));
        }

        private static boolean atBarrier(ThreadInfo info) {
            return isTrainer(info) && Arrays.stream(info.getStackTrace()).anyMatch(frame -> frame.getClassName()
                    .equals(EncodedGradientsAccumulator.class.getName()) && frame.getMethodName().equals("synchronize"));
        }

        private static String stack(ThreadInfo info) {
            StringBuilder text = new StringBuilder(info.getThreadName());
            for (StackTraceElement frame : info.getStackTrace()) {
                text.append("\n  at ").append(frame.getClassName()).append('.').append(frame.getMethodName());
            }
            return text.toString();
        }

        @Override
        public void close() {
            breakAccumulator();
            wrapper.shutdown();
            caller.shutdownNow();
        }
    }

    private static boolean isTrainerClass(String className) {
        return className.equals(DefaultTrainer.class.getName());
    }

    private record Deadlock(String blockedAt, String holderAt) {}

    /** An accumulator the test can fail, to release trainers it left waiting. */
    private static final class BreakableAccumulator extends EncodedGradientsAccumulator {
        BreakableAccumulator(int parties) {
            super(parties, new FixedThresholdAlgorithm(1e-3), new ResidualClippingPostProcessor(5, 5), false);
        }

        void fail(Throwable cause) {
            throwable.setIfFirst(cause);
        }
    }

    /**
     * A dense layer that sets the race's order: on the network itself (built outside the trainers)
     * the first forward pass of each fit waits, with trainer 0 inside the network's fit; a replica
     * (built on a trainer thread) takes a moment to build, so that trainer 1 asks for the network's
     * updater within that wait.
     */
    static final class SlowOnTrainerThreads extends DenseLayer {
        /** For DL4J's JSON, from which trainer 1 builds its replica. */
        SlowOnTrainerThreads() {
        }

        SlowOnTrainerThreads(int nIn, int nOut) {
            setNIn(nIn);
            setNOut(nOut);
            setActivationFn(Activation.TANH.getActivationFunction());
        }

        @Override
        public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                INDArray paramsView, boolean initializeParams, DataType dataType) {
            boolean replica = onTrainerThread();
            if (replica) {
                pause(REPLICA_BUILD_MILLIS);
            }
            var layer = new org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer(conf, dataType) {
                // Every fit runs its trainers on new threads.
                private Thread waitedOn;

                @Override
                public INDArray activate(boolean training, LayerWorkspaceMgr workspaces) {
                    if (!replica && onTrainerThread() && waitedOn != Thread.currentThread()) {
                        waitedOn = Thread.currentThread();
                        pause(FIRST_STEP_MILLIS);
                    }
                    return super.activate(training, workspaces);
                }
            };
            layer.setListeners(listeners);
            layer.setIndex(index);
            layer.setParamsViewArray(paramsView);
            layer.setParamTable(initializer().init(conf, paramsView, initializeParams));
            layer.setConf(conf);
            return layer;
        }

        private static boolean onTrainerThread() {
            return StackWalker.getInstance().walk(frames -> frames.anyMatch(f -> isTrainerClass(f.getClassName())));
        }

        private static void pause(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
