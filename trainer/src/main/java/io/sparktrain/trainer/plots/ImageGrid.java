package io.sparktrain.trainer.plots;

import java.awt.image.BufferedImage;

/**
 * Grey images in [0, 1], one flattened row each, laid out as a PNG grid with a light border
 * between them and every pixel drawn {@code scale} times, as a person inspects a generator's
 * samples.
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
        int border = BORDER_GREY << 16 | BORDER_GREY << 8 | BORDER_GREY;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, border);
            }
        }
        for (int i = 0; i < rows * columns; i++) {
            int left = BORDER + (i % columns) * cell;
            int top = BORDER + (i / columns) * cell;
            for (int p = 0; p < side * side; p++) {
                int grey = Math.round(255 * Math.min(1f, Math.max(0f, pixels[i][p])));
                int rgb = grey << 16 | grey << 8 | grey;
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        image.setRGB(left + (p % side) * scale + dx, top + (p / side) * scale + dy, rgb);
                    }
                }
            }
        }
        return Png.encode(image);
    }
}
