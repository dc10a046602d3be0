package io.sparktrain.trainer.loop;

/** The end of a run: what was trained and how well the final network does on the test set. */
public record TrainingSummary(String strategy, int workers, int firstEpoch, int lastEpoch, long trainExamples,
        double trainSeconds, double finalAccuracy, double bestAccuracy, int bestEpoch) {

    public double samplesPerSecond() {
        return trainSeconds > 0 ? trainExamples / trainSeconds : 0;
    }
}
