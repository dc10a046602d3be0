package io.sparktrain.trainer.loop;

/** Where an epoch stands after a synchronization round. */
public record Progress(int epoch, int epochs, int batches, int totalBatches, long examples, double seconds,
        double loss) {

    public double samplesPerSecond() {
        return seconds > 0 ? examples / seconds : 0;
    }

    /** Seconds left in this epoch at the rate so far. */
    public double epochSecondsLeft() {
        return batches > 0 ? seconds * (totalBatches - batches) / batches : Double.NaN;
    }
}
