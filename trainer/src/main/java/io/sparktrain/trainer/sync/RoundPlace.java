package io.sparktrain.trainer.sync;

/** Where a synchronization round stands in the run, as logs, errors and Spark's UI name it. */
public record RoundPlace(int epoch, int epochs, int round, int rounds) {

    @Override
    public String toString() {
        return "epoch " + epoch + "/" + epochs + ", round " + round + "/" + rounds;
    }
}
