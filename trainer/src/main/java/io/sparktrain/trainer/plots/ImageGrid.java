package io.sparktrain.trainer.plots;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;

/**
 * Grey images in [0, 1], one flattened row each, laid out as a PNG grid with a light border
 * between them and every pixel drawn {@code scale} times, as a person inspects a generator's
 * samples. Grey levels go into the raster as they are: {@code setRGB} on a grey image would
 * convert them from sRGB to linear grey and darken every mid-tone.
 */
public final class ImageGrid {
    private static final int BORDER = 2;
    private static final int BORDER_GREY = 0x80;

    private ImageGrid() {}

    /** The first {@code rows x columns} images of {@code pixels}, each {@code side x side}, row by row. */
    public static byte[] png(float[][] pixels, int rows, int columns, int side, int scale) {
        if (pixels.length < rows * columns) {
            throw new IllegalArgumentException(rows + " x " + columns + " grid needs " + rows * columns
                    + " images, got " + pixels.length);
        }
        int cell = side * scale + BORDER;
        BufferedImage image = new BufferedImage(columns * cell + BORDER, rows * cell + BORDER,
                BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                raster.setSample(x, y, 0, BORDER_GREY);
            }
        }
        for (int i = 0; i < rows * columns; i++) {
            int left = BORDER + (i % columns) * cell;
            int top = BORDER + (i / columns) * cell;
            for (int p = 0; p < side * side; p++) {
                int grey = grey(pixels[i][p]);
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        raster.setSample(left + (p % side) * scale + dx, top + (p / side) * scale + dy, 0, grey);
                    }
                }
            }
        }
        return Png.encode(image);
    }

    /** One {@code side x side} image, pixel for pixel, without a border. */
    public static byte[] png(float[] pixels, int side) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < side * side; p++) {
            image.getRaster().setSample(p % side, p / side, 0, grey(pixels[p]));
        }
        return Png.encode(image);
    }

    /** A pixel in [0, 1] (clipped to it) as the grey byte MNIST stores. */
    public static int grey(float pixel) {
        return Math.round(255 * Math.min(1f, Math.max(0f, pixel)));
    }
}
