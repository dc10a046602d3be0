package io.sparktrain.trainer.model;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Classical (heavy-ball) momentum, which DL4J lacks: its only momentum optimizer is Nesterov's.
 * With velocity {@code u}: {@code u = momentum * u + rate * gradient}, then {@code params -= u};
 * Keras' {@code SGD(momentum=...)} and Polyak's method in the usual notation.
 *
 * <p>DL4J serializes the configuration to JSON for the workers and compares updaters to group
 * layers, hence the no-argument constructor, the mutable fields and {@link #equals}.
 */
public final class Momentum implements IUpdater {
    private double learningRate;
    private ISchedule learningRateSchedule;
    private double momentum;

    /** For DL4J's JSON deserialization. */
    public Momentum() {
        this(null, 0.9);
    }

    public Momentum(ISchedule learningRateSchedule, double momentum) {
        this.learningRate = Double.NaN;
        this.learningRateSchedule = learningRateSchedule;
        this.momentum = momentum;
    }

    public double momentum() {
        return momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater<Momentum> instantiate(INDArray viewArray, boolean initialize) {
        MomentumUpdater updater = new MomentumUpdater(this);
        INDArray flat = viewArray.reshape(viewArray.length());
        updater.setStateViewArray(flat, flat.shape(), flat.ordering(), initialize);
        return updater;
    }

    @Override
    public GradientUpdater<Momentum> instantiate(Map<String, INDArray> state,
            boolean initialize) {
        MomentumUpdater updater = new MomentumUpdater(this);
        updater.setState(state, initialize);
        return updater;
    }

    @Override
    public Momentum clone() {
        Momentum copy = new Momentum(learningRateSchedule, momentum);
        copy.learningRate = learningRate;
        return copy;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double rate, ISchedule schedule) {
        this.learningRate = rate;
        this.learningRateSchedule = schedule;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Momentum that && Double.compare(learningRate, that.learningRate) == 0
                && Double.compare(momentum, that.momentum) == 0
                && Objects.equals(learningRateSchedule, that.learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum);
    }

    @Override
    public String toString() {
        return "Momentum(rate=" + (learningRateSchedule != null ? learningRateSchedule : learningRate) + ", momentum="
                + momentum + ")";
    }
}
