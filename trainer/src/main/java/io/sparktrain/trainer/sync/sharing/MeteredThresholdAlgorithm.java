package io.sparktrain.trainer.sync.sharing;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithmReducer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Wraps the configured threshold algorithm to measure what the encoder sends, and to keep the
 * threshold's adaptation from one Spark job to the next.
 *
 * <p>Every worker thread calls {@link #calculateThreshold} once per step; the totals accumulate per
 * JVM and session. DL4J returns each executor's threshold algorithm to the driver after a job,
 * reduced across threads and executors: the reducer attaches every reporting JVM's totals, which
 * is how they reach the driver.
 *
 * <p>DL4J's executors clone a fresh algorithm from the one broadcast at the first job for every job,
 * so an adaptive threshold would restart from its initial value each time; {@link #clone} clones
 * the state this JVM last used instead.
 */
public final class MeteredThresholdAlgorithm implements ThresholdAlgorithm {
    private static final long serialVersionUID = 1L;
    private static final String JVM = UUID.randomUUID().toString();
    private static final Map<String, EncodingTotals> TOTALS = new ConcurrentHashMap<>();
    private static final Map<String, ThresholdAlgorithm> LATEST = new ConcurrentHashMap<>();

    private final String session;
    private final ThresholdAlgorithm inner;
    private final Map<String, EncodingTotals> totalsByJvm;

    public MeteredThresholdAlgorithm(String session, ThresholdAlgorithm inner) {
        this(session, inner, Map.of());
    }

    private MeteredThresholdAlgorithm(String session, ThresholdAlgorithm inner, Map<String, EncodingTotals> totalsByJvm) {
        this.session = session;
        this.inner = inner;
        this.totalsByJvm = Map.copyOf(totalsByJvm);
    }

    @Override
    public double calculateThreshold(int iteration, int epoch, Double lastThreshold, Boolean lastWasDense,
            Double lastSparsityRatio, INDArray updatesPlusResidual) {
        double threshold = inner.calculateThreshold(iteration, epoch, lastThreshold, lastWasDense, lastSparsityRatio,
                updatesPlusResidual);
        long components = updatesPlusResidual.length();
        TOTALS.merge(session, EncodingTotals.NONE.plus(threshold, lastWasDense, lastSparsityRatio, components),
                EncodingTotals::add);
        LATEST.put(session, inner);
        return threshold;
    }

    /** The algorithm being measured. */
    public ThresholdAlgorithm inner() {
        return inner;
    }

    /** Totals per JVM (by a random JVM id), as reported to the driver after the last job. */
    public Map<String, EncodingTotals> totalsByJvm() {
        return totalsByJvm;
    }

    @Override
    public ThresholdAlgorithmReducer newReducer() {
        return new Reducer(session, inner.newReducer());
    }

    @Override
    public MeteredThresholdAlgorithm clone() {
        return new MeteredThresholdAlgorithm(session, LATEST.getOrDefault(session, inner).clone());
    }

    @Override
    public String toString() {
        return "metered " + inner;
    }

    private static void keepLatest(Map<String, EncodingTotals> into, Map<String, EncodingTotals> from) {
        from.forEach((jvm, totals) -> into.merge(jvm, totals, (a, b) -> a.steps() >= b.steps() ? a : b));
    }

    private static final class Reducer implements ThresholdAlgorithmReducer {
        private static final long serialVersionUID = 1L;
        private final String session;
        private ThresholdAlgorithmReducer inner;
        private final Map<String, EncodingTotals> totalsByJvm = new HashMap<>();

        Reducer(String session, ThresholdAlgorithmReducer inner) {
            this.session = session;
            this.inner = inner;
        }

        /** Runs on the JVM that trained: its own totals are read here. */
        @Override
        public void add(ThresholdAlgorithm instance) {
            MeteredThresholdAlgorithm metered = (MeteredThresholdAlgorithm) instance;
            inner.add(metered.inner);
            keepLatest(totalsByJvm, metered.totalsByJvm);
            EncodingTotals own = TOTALS.get(session);
            if (own != null) {
                keepLatest(totalsByJvm, Map.of(JVM, own));
            }
        }

        @Override
        public ThresholdAlgorithmReducer merge(ThresholdAlgorithmReducer other) {
            Reducer reducer = (Reducer) other;
            inner = inner.merge(reducer.inner);
            keepLatest(totalsByJvm, reducer.totalsByJvm);
            return this;
        }

        @Override
        public ThresholdAlgorithm getFinalResult() {
            return new MeteredThresholdAlgorithm(session, inner.getFinalResult(), totalsByJvm);
        }
    }
}
