package io.sparktrain.datasets.imagenet;

/**
 * The per-channel statistics of ImageNet's training images on [0, 1] pixels, which ImageNet models
 * are conventionally trained and evaluated with: {@code (pixel - mean[c]) / std[c]}.
 */
public final class ImageNetNormalization {
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    private ImageNetNormalization() {}

    /** Red, green and blue means. */
    public static float[] mean() {
        return MEAN.clone();
    }

    /** Red, green and blue standard deviations. */
    public static float[] std() {
        return STD.clone();
    }

    static float normalize(float unitPixel, int channel) {
        return (unitPixel - MEAN[channel]) / STD[channel];
    }
}
