package io.sparktrain.trainer.loop;

import io.sparktrain.trainer.sync.Traffic;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * One epoch's outcome: mean training loss over its rounds (weighted by examples), throughput,
 * the evaluation on the test set, and how it was synchronized and what that sent.
 */
public record EpochResult(int epoch, int epochs, double trainLoss, long trainExamples, double trainSeconds,
        double evalSeconds, Evaluation evaluation, String strategy, int workers, Traffic traffic) {

    public double samplesPerSecond() {
        return trainSeconds > 0 ? trainExamples / trainSeconds : 0;
    }
}
