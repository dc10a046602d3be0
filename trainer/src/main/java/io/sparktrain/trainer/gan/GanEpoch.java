package io.sparktrain.trainer.gan;

/**
 * One epoch of GAN training: the lecture's losses (discriminator -[log D(x) + log(1 - D(G(z)))],
 * generator -log D(G(z))) as the mean over the epoch and per round, how often the discriminator
 * was right on held-out real images and on as many fresh fakes, and the fixed-noise samples.
 */
public record GanEpoch(int epoch, int epochs, double discriminatorLoss, double generatorLoss,
        double[] discriminatorRoundLosses, double[] generatorRoundLosses, double discriminatorAccuracyReal,
        double discriminatorAccuracyFake, long realExamples, double seconds, float[][] samples) {

    public double samplesPerSecond() {
        return seconds > 0 ? realExamples / seconds : 0;
    }

    /** Right on real and fake alike, half each. */
    public double discriminatorAccuracy() {
        return (discriminatorAccuracyReal + discriminatorAccuracyFake) / 2;
    }
}
