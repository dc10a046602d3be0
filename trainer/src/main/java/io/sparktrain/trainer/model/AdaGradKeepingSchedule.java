package io.sparktrain.trainer.model;

import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * DL4J's AdaGrad, except that {@link #clone()} keeps the learning-rate schedule. DL4J's clone drops
 * it, and since every layer's configuration holds a clone, a scheduled AdaGrad trained at a NaN
 * learning rate.
 */
public final class AdaGradKeepingSchedule extends AdaGrad {
    /** For DL4J's JSON deserialization. */
    public AdaGradKeepingSchedule() {}

    public AdaGradKeepingSchedule(ISchedule learningRateSchedule) {
        super(learningRateSchedule);
    }

    @Override
    public AdaGradKeepingSchedule clone() {
        AdaGradKeepingSchedule copy = new AdaGradKeepingSchedule(getLearningRateSchedule());
        copy.setLearningRate(getLearningRate());
        copy.setEpsilon(getEpsilon());
        return copy;
    }
}
