package io.sparktrain.trainer.loop;

import org.nd4j.evaluation.classification.Evaluation;

/**
 * One epoch's outcome: mean training loss over its rounds (weighted by examples), throughput,
 * and the evaluation on the test set.
 */
public record EpochResult(int epoch, int epochs, double trainLoss, long trainExamples, double trainSeconds,
        double evalSeconds, Evaluation evaluation) {

    public double samplesPerSecond() {
        return trainSeconds > 0 ? trainExamples / trainSeconds : 0;
    }
}
