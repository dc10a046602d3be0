package io.sparktrain.trainer.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.learning.GradientUpdater;

/** The state and step of {@link Momentum}: one velocity per parameter, a view of DL4J's updater state. */
final class MomentumUpdater implements GradientUpdater<Momentum> {
    static final String VELOCITY = "V";

    private final Momentum config;
    private INDArray velocity;

    MomentumUpdater(Momentum config) {
        this.config = config;
    }

    @Override
    public Momentum getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> state, boolean initialize) {
        if (state.size() != 1 || !state.containsKey(VELOCITY)) {
            throw new IllegalStateException("momentum state must hold exactly [" + VELOCITY + "], not " + state.keySet());
        }
        velocity = state.get(VELOCITY);
        if (initialize) {
            velocity.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        return Map.of(VELOCITY, velocity);
    }

    @Override
    public void setStateViewArray(INDArray view, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (initialize) {
            view.assign(0);
        }
        velocity = Shape.newShapeNoCopy(view, gradientShape, gradientOrder == 'f');
        if (velocity == null) {
            throw new IllegalStateException("momentum state cannot be viewed as the gradient's shape");
        }
    }

    /** Turns {@code gradient} in place into the step DL4J subtracts from the parameters. */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        double rate = config.getLearningRate(iteration, epoch);
        velocity.muli(config.momentum()).addi(gradient.reshape(velocity.shape()).mul(rate));
        gradient.assign(velocity.reshape(gradient.shape()));
    }
}
