package io.sparktrain.trainer.plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageGridTest {
    private static BufferedImage read(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    @Test
    void greyLevelsReachThePngAsTheyAre() throws IOException {
        float[] pixels = {0f, 0.5f, 1f, 1.7f, 0.2f, -1f, 0.9f, 0.01f, 0.4f};
        BufferedImage image = read(ImageGrid.png(pixels, 3));
        int[] expected = {0, 128, 255, 255, 51, 0, 230, 3, 102};
        for (int p = 0; p < pixels.length; p++) {
            assertEquals(expected[p], image.getRaster().getSample(p % 3, p / 3, 0), "pixel " + p);
        }
    }

    @Test
    void aGridDrawsEachImageScaledBetweenBorders() throws IOException {
        float[][] images = {{0.5f, 0.5f, 0.5f, 0.5f}, {1f, 1f, 1f, 1f}, {0f, 0f, 0f, 0f}};
        BufferedImage grid = read(ImageGrid.png(images, 1, 3, 2, 3));
        // 3 cells of 2 px drawn 3 times, each followed by a 2 px border, plus the first border.
        assertEquals(3 * (2 * 3 + 2) + 2, grid.getWidth());
        assertEquals(2 * 3 + 4, grid.getHeight());
        assertEquals(128, grid.getRaster().getSample(0, 0, 0), "border");
        assertEquals(128, grid.getRaster().getSample(2, 2, 0), "first image");
        assertEquals(255, grid.getRaster().getSample(2 + 8, 2, 0), "second image");
        assertEquals(0, grid.getRaster().getSample(2 + 16 + 5, 2 + 5, 0), "third image, last pixel");
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.png(images, 2, 2, 2, 1));
    }
}
