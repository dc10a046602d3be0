package io.sparktrain.datasets.imagenet;

/**
 * How {@link ImageNetExporter} turns images into shards.
 *
 * @param shortSide S: each image's shorter side is resized to S and the centre S x S kept
 * @param batchSize images per shard
 * @param shuffleSeed seed of the one shuffle of the image list before batching
 * @param maxUnreadableFraction the export fails when more than this fraction of the images cannot
 *     be decoded; below it they are skipped and reported
 * @param pixels how pixels are stored
 */
public record ImageExportSettings(int shortSide, int batchSize, long shuffleSeed, double maxUnreadableFraction,
        PixelFormat pixels) {
    /** ImageNet's train set has a handful of odd files among 1.28 million; 0.1% unreadable means something is wrong. */
    public static final double DEFAULT_MAX_UNREADABLE_FRACTION = 0.001;
    public static final PixelFormat DEFAULT_PIXELS = PixelFormat.UINT8;

    /** How pixels are stored in a shard; the loaders read either. */
    public enum PixelFormat {
        /** Values 0 to 255 as unsigned bytes: a quarter of the size of floats. */
        UINT8,
        /** Values in [0, 1] as 32-bit floats, without the rounding to 256 levels. */
        FLOAT
    }

    public ImageExportSettings {
        if (shortSide < 1) {
            throw new IllegalArgumentException("short side must be at least 1 pixel, got " + shortSide);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (!(maxUnreadableFraction >= 0 && maxUnreadableFraction <= 1)) {
            throw new IllegalArgumentException("maximum unreadable fraction must be in [0, 1], got "
                    + maxUnreadableFraction);
        }
        if (pixels == null) {
            throw new IllegalArgumentException("pixel format must be given");
        }
    }

    /** The required settings, with {@link #DEFAULT_MAX_UNREADABLE_FRACTION} and {@link #DEFAULT_PIXELS}. */
    public ImageExportSettings(int shortSide, int batchSize, long shuffleSeed) {
        this(shortSide, batchSize, shuffleSeed, DEFAULT_MAX_UNREADABLE_FRACTION, DEFAULT_PIXELS);
    }

    public ImageExportSettings withMaxUnreadableFraction(double fraction) {
        return new ImageExportSettings(shortSide, batchSize, shuffleSeed, fraction, pixels);
    }

    public ImageExportSettings withPixels(PixelFormat format) {
        return new ImageExportSettings(shortSide, batchSize, shuffleSeed, maxUnreadableFraction, format);
    }
}
