package io.sparktrain.datasets.augment;

import java.io.Serializable;
import java.util.Random;

/**
 * Random geometric changes of training images, new for every image in every epoch: a shift by up
 * to {@code maxShift} pixels in each direction, a rotation by up to {@code maxRotationDegrees}
 * either way about the centre, and, with {@code flip}, a left-right mirror half of the time.
 * Pixels are sampled bilinearly; what comes from outside the image is 0, MNIST's background.
 */
public record Augmentation(int maxShift, double maxRotationDegrees, boolean flip) implements Serializable {
    public static final Augmentation NONE = new Augmentation(0, 0, false);

    public Augmentation {
        if (maxShift < 0 || !(maxRotationDegrees >= 0 && maxRotationDegrees <= 180)) {
            throw new IllegalArgumentException("shift must be at least 0 and rotation in [0, 180] degrees, got "
                    + maxShift + " and " + maxRotationDegrees);
        }
    }

    public boolean isNone() {
        return maxShift == 0 && maxRotationDegrees == 0 && !flip;
    }

    /** Augments {@code n} images stored one after another, each {@code channels x height x width}. */
    float[] apply(float[] images, int n, int channels, int height, int width, Random random) {
        float[] out = new float[images.length];
        int size = channels * height * width;
        for (int i = 0; i < n; i++) {
            int dx = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
            int dy = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
            double angle = Math.toRadians((2 * random.nextDouble() - 1) * maxRotationDegrees);
            boolean mirror = flip && random.nextBoolean();
            transform(images, out, i * size, channels, height, width, dx, dy, angle, mirror);
        }
        return out;
    }

    /**
     * Writes into {@code out} the image at {@code offset} of {@code in}, mirrored (if asked), rotated
     * by {@code angle} radians counter-clockwise about its centre, then shifted by (dx, dy) pixels.
     */
    static void transform(float[] in, float[] out, int offset, int channels, int height, int width, int dx, int dy,
            double angle, boolean mirror) {
        double cx = (width - 1) / 2.0;
        double cy = (height - 1) / 2.0;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                // Undo the shift, then the rotation (image rows grow downwards), then the mirror.
                double u = x - dx - cx;
                double v = y - dy - cy;
                double sourceX = cx + cos * u - sin * v;
                double sourceY = cy + sin * u + cos * v;
                if (mirror) {
                    sourceX = width - 1 - sourceX;
                }
                for (int c = 0; c < channels; c++) {
                    int plane = offset + c * height * width;
                    out[plane + y * width + x] = sample(in, plane, height, width, sourceX, sourceY);
                }
            }
        }
    }

    private static float sample(float[] in, int plane, int height, int width, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        return (float) ((1 - fy) * ((1 - fx) * pixel(in, plane, height, width, x0, y0)
                + fx * pixel(in, plane, height, width, x0 + 1, y0))
                + fy * ((1 - fx) * pixel(in, plane, height, width, x0, y0 + 1)
                + fx * pixel(in, plane, height, width, x0 + 1, y0 + 1)));
    }

    private static float pixel(float[] in, int plane, int height, int width, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : in[plane + y * width + x];
    }
}
