package io.sparktrain.trainer.gan;

import java.util.Optional;

/**
 * One epoch of GAN training: the lecture's losses (discriminator -[log D(x) + log(1 - D(G(z)))],
 * generator -log D(G(z))) as the mean over the epoch and per round, how often the discriminator
 * was right on held-out real images and on as many fresh fakes, the fixed-noise samples, and,
 * with a classifier to judge them, the samples' quality.
 *
 * @param seconds the whole epoch: training, then evaluation, samples and judging
 * @param trainSeconds the training rounds alone
 */
public record GanEpoch(int epoch, int epochs, double discriminatorLoss, double generatorLoss,
        double[] discriminatorRoundLosses, double[] generatorRoundLosses, double discriminatorAccuracyReal,
        double discriminatorAccuracyFake, long realExamples, double seconds, double trainSeconds, double bytesPerStep,
        float[][] samples, Optional<SampleJudge.Quality> quality) {

    /** Real images trained on per second of training. */
    public double samplesPerSecond() {
        return trainSeconds > 0 ? realExamples / trainSeconds : 0;
    }

    /** Right on real and fake alike, half each. */
    public double discriminatorAccuracy() {
        return (discriminatorAccuracyReal + discriminatorAccuracyFake) / 2;
    }
}
