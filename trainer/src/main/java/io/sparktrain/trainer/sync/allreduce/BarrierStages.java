package io.sparktrain.trainer.sync.allreduce;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs work as Spark barrier stages whose tasks are joined by a {@link RingAllreduce}, one task per
 * worker, and returns the first worker's result. A lost task fails the stage, and with it Spark's
 * job, since Spark does not rerun a failed barrier result stage; the stage then runs again from
 * the same start on the task slots left. The ring admits only connections that show the stage's
 * random token, which reached the workers through Spark (encrypted when the cluster has a secret);
 * what the ring carries travels unencrypted.
 *
 * <p>Paths go to the workers in turn, step by step: step {@code s} takes paths
 * {@code s * workers .. s * workers + workers - 1}, as one machine would take them merged. When
 * they do not divide evenly, the last step repeats the first paths on the workers left without
 * one, as PyTorch's DistributedSampler pads, so that every worker takes as many steps.
 */
public final class BarrierStages {
    private static final Logger log = LoggerFactory.getLogger(BarrierStages.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMinutes(2);
    /** How long a failed stage waits for Spark to notice a lost executor; see {@link #slotsAfterFailure}. */
    private static final Duration SETTLE = Duration.ofSeconds(5);
    /** How often the driver compares Spark's task slots with a running stage's workers. */
    private static final Duration SLOT_WATCH = Duration.ofMillis(200);
    /** What Spark's DAGScheduler says when it gives up on a job whose barrier stage failed. */
    private static final String FAILED_BARRIER_STAGE = "Could not recover from a failed barrier ResultStage";
    private static final Pattern LOCAL_WITH_FAILURES = Pattern.compile("local\\[[^,\\]]+,\\s*(\\d+)\\]");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * What one worker of a stage does with its paths, joined to the others by {@code ring}; every
     * worker must call the ring as often, in the same order.
     */
    public interface Work<R extends Serializable> extends Serializable {
        R run(List<String> paths, RingAllreduce ring) throws IOException;
    }

    private final int workers;
    /** The workers of the last stage when Spark had fewer task slots than configured; 0 otherwise. */
    private int narrowedTo;

    public BarrierStages(int workers) {
        this.workers = workers;
    }

    /**
     * Runs {@code work} on as many of the workers as there are task slots, and again from the same
     * start on the slots left when an attempt fails (a lost executor fails every task of a barrier
     * stage, and Spark then gives up on the job) or when Spark loses a slot the attempt needs (a
     * stage submitted as an executor died would otherwise wait ten minutes in Spark's check of a
     * barrier stage's slots), up to Spark's own limit on a task's attempts. Returns the first
     * worker's result.
     */
    public <R extends Serializable> R run(JavaSparkContext sc, List<String> paths, Work<R> work, Class<R> type) {
        TaskFailures failures = new TaskFailures();
        sc.sc().addSparkListener(failures);
        try {
            return run(sc, paths, work, type, failures);
        } finally {
            sc.sc().removeSparkListener(failures);
        }
    }

    private <R extends Serializable> R run(JavaSparkContext sc, List<String> paths, Work<R> work, Class<R> type,
            TaskFailures failures) {
        byte[] token = new byte[16];
        RANDOM.nextBytes(token);
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
            RDD<R> stage = sc.parallelize(assign(paths, ranks), ranks).rdd().barrier().mapPartitions(
                    new Task<>(work, token), false, ClassTag$.MODULE$.apply(type));
            JavaFutureAction<List<R>> running = stage.toJavaRDD().collectAsync();
            Throwable failure;
            try {
                Optional<List<R>> results = awaitUnlessSlotsLost(sc, running, ranks);
                if (results.isPresent()) {
                    return results.get().stream().findFirst().orElseThrow(
                            () -> new IllegalStateException("allreduce: the first worker returned nothing"));
                }
                failure = null;
            } catch (ExecutionException e) {
                failure = e.getCause();
                // A cancelled job (the round's time limit) is not a failed stage and does not run again.
                boolean barrierFailure = String.valueOf(failure.getMessage()).contains(FAILED_BARRIER_STAGE);
                if (barrierFailure && attempt == attempts) {
                    // Spark drops the failed task's exception from a barrier stage's failure; an
                    // input that could not be read must still reach the job as one.
                    Optional<IOException> unreadable = failures.unreadableInput(SETTLE);
                    if (unreadable.isPresent()) {
                        throw BarrierStages.<RuntimeException>rethrow(
                                new SparkException(failure.getMessage(), unreadable.get()));
                    }
                }
                if (attempt == attempts || !barrierFailure) {
                    throw BarrierStages.<RuntimeException>rethrow(failure);
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
    private static <R> Optional<List<R>> awaitUnlessSlotsLost(JavaSparkContext sc, JavaFutureAction<List<R>> stage,
            int ranks) throws ExecutionException {
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

    /**
     * The exceptions of the failed tasks of a stage, as Spark's listener bus reports them on the
     * driver; tasks whose executor was lost report none.
     */
    private static final class TaskFailures extends SparkListener {
        private final List<Throwable> exceptions = new CopyOnWriteArrayList<>();

        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (taskEnd.reason() instanceof ExceptionFailure failure && failure.exception().isDefined()) {
                exceptions.add(failure.exception().get());
            }
        }

        /**
         * The first failure that is an input a worker could not read, not the broken ring the other
         * workers met because of it, waiting up to {@code wait} for the listener bus to deliver it.
         */
        Optional<IOException> unreadableInput(Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                for (Throwable exception : exceptions) {
                    Optional<IOException> unreadable = unreadable(exception);
                    if (unreadable.isPresent()) {
                        return unreadable;
                    }
                }
                if (System.nanoTime() > deadline) {
                    return Optional.empty();
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }

        private static Optional<IOException> unreadable(Throwable exception) {
            for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
                if (cause instanceof RingAllreduce.BrokenRingException) {
                    return Optional.empty();
                }
                if (cause instanceof IOException io) {
                    return Optional.of(io);
                }
            }
            return Optional.empty();
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

    /** One worker's task: joins the ring, runs the work, and hands the driver the first worker's result. */
    private static final class Task<R extends Serializable> extends AbstractFunction1<
            scala.collection.Iterator<List<String>>, scala.collection.Iterator<R>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Work<R> work;
        private final byte[] token;

        Task(Work<R> work, byte[] token) {
            this.work = work;
            this.token = token;
        }

        @Override
        public scala.collection.Iterator<R> apply(scala.collection.Iterator<List<String>> partition) {
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
                try (RingAllreduce ring = RingAllreduce.connect(rank, addresses, server, token, CONNECT_TIMEOUT)) {
                    String joined = "ring rank {} of {} joined at {}; {} minibatches to fit";
                    // In local mode, whose one executor Spark calls "driver", the driver's own log
                    // would show it for every worker of every stage.
                    if ("driver".equals(SparkEnv.get().executorId())) {
                        log.debug(joined, rank, peers.length, peers[rank], paths.size());
                    } else {
                        log.info(joined, rank, peers.length, peers[rank], paths.size());
                    }
                    R result = work.run(paths, ring);
                    // The workers end equal (to rounding where their minibatches differed in size);
                    // the driver needs one copy.
                    return JavaConverters.asScalaIteratorConverter(
                            (rank == 0 ? List.of(result) : List.<R>of()).iterator()).asScala();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
