package io.sparktrain.datasets.imagenet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.imagenet.ImageDecoder.Square;
import io.sparktrain.datasets.imagenet.ImageDecoder.UnreadableImageException;
import io.sparktrain.datasets.testing.TestImageNet;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    private static BufferedImage filled(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    private static float pixel(Square square, int channel, int y, int x) {
        int s = square.size();
        return square.chw()[channel * s * s + y * s + x];
    }

    @Test
    void jpegKeepsItsColourInChannelMajorOrder() throws Exception {
        Square square = ImageDecoder.decodeSquare(TestImageNet.jpeg(filled(90, 60, 0xC83C14)), 24);
        assertEquals(3 * 24 * 24, square.chw().length);
        for (int y = 0; y < 24; y += 5) {
            for (int x = 0; x < 24; x += 5) {
                assertEquals(0xC8, pixel(square, 0, y, x), 4, "red");
                assertEquals(0x3C, pixel(square, 1, y, x), 4, "green");
                assertEquals(0x14, pixel(square, 2, y, x), 4, "blue");
            }
        }
    }

    /** 200x100 becomes 100x50 and its centre 50x50 keeps the red-blue edge in the middle. */
    @Test
    void shorterSideIsResizedAndTheCentreKept() throws Exception {
        BufferedImage image = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 200; x++) {
                image.setRGB(x, y, x < 100 ? 0xFF0000 : 0x0000FF);
            }
        }
        Square square = ImageDecoder.decodeSquare(TestImageNet.png(image), 50);
        for (int y = 0; y < 50; y++) {
            assertEquals(255, pixel(square, 0, y, 0), 1e-3);
            assertEquals(255, pixel(square, 0, y, 23), 1e-3);
            assertEquals(0, pixel(square, 2, y, 23), 1e-3);
            assertEquals(255, pixel(square, 2, y, 26), 1e-3);
            assertEquals(0, pixel(square, 0, y, 49), 1e-3);
            assertEquals(127.5, pixel(square, 0, y, 24) + pixel(square, 0, y, 25) - 127.5, 1e-3,
                    "the edge is shared by the two middle columns");
        }
    }

    /** A one-pixel checkerboard shrunk by four must average to grey, not alias into a pattern. */
    @Test
    void downscalingAveragesInsteadOfSkipping() throws Exception {
        BufferedImage board = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                board.setRGB(x, y, (x + y) % 2 == 0 ? 0xFFFFFF : 0);
            }
        }
        Square square = ImageDecoder.decodeSquare(TestImageNet.png(board), 16);
        for (float value : square.chw()) {
            assertEquals(127.5, value, 8);
        }
    }

    @Test
    void smallImagesAreEnlarged() throws Exception {
        Square square = ImageDecoder.decodeSquare(TestImageNet.png(filled(20, 10, 0x336699)), 32);
        assertEquals(0x33, pixel(square, 0, 31, 31), 1e-3);
        assertEquals(0x99, pixel(square, 2, 0, 0), 1e-3);
    }

    /** Gray samples are repeated into R, G and B unchanged (Java's sRGB conversion would brighten them). */
    @Test
    void grayscaleIsRepeatedIntoThreeChannels() throws Exception {
        BufferedImage gray = new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 40; x++) {
                gray.getRaster().setSample(x, y, 0, 100);
            }
        }
        Square square = ImageDecoder.decodeSquare(TestImageNet.png(gray), 20);
        for (int c = 0; c < 3; c++) {
            assertEquals(100, pixel(square, c, 10, 10), 1e-3, "channel " + c);
        }
        Square fromJpeg = ImageDecoder.decodeSquare(TestImageNet.jpeg(gray), 20);
        assertEquals(100, pixel(fromJpeg, 1, 10, 10), 2);
    }

    @Test
    void alphaIsDropped() throws Exception {
        BufferedImage argb = new BufferedImage(30, 30, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 30; x++) {
                argb.setRGB(x, y, 0x10204080);
            }
        }
        Square square = ImageDecoder.decodeSquare(TestImageNet.png(argb), 10);
        assertEquals(0x20, pixel(square, 0, 5, 5), 1e-3);
        assertEquals(0x80, pixel(square, 2, 5, 5), 1e-3);
    }

    /**
     * A four-channel JPEG, as CMYK photos from print workflows are: the TwelveMonkeys reader (on the
     * class path through DL4J) converts it to RGB; the JDK's own reader alone would refuse it. The
     * channels are stored inverted, as Adobe's CMYK JPEGs store them.
     */
    @Test
    void fourChannelJpegIsConvertedToRgb() throws Exception {
        java.awt.image.WritableRaster raster = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, 40, 30, 4, null);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                raster.setPixel(x, y, new int[] {255, 55, 55, 255});
            }
        }
        javax.imageio.ImageWriter writer = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg").next();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream stream = javax.imageio.ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new javax.imageio.IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        Square square = ImageDecoder.decodeSquare(out.toByteArray(), 10);
        assertEquals(3 * 10 * 10, square.chw().length);
        assertTrue(pixel(square, 0, 5, 5) > pixel(square, 1, 5, 5) + 50, "no cyan, much magenta and yellow: red");
    }

    @Test
    void brokenFilesAreUnreadableWithAReason() throws IOException {
        byte[] whole = TestImageNet.jpeg(TestImageNet.image(0, new Random(3)));
        for (int percent : new int[] {10, 40, 70, 95}) {
            UnreadableImageException e = assertThrows(UnreadableImageException.class,
                    () -> ImageDecoder.decodeSquare(Arrays.copyOf(whole, whole.length * percent / 100), 16),
                    "cut to " + percent + "%");
            assertTrue(!e.getMessage().isBlank(), e.getMessage());
        }
        UnreadableImageException garbage = assertThrows(UnreadableImageException.class,
                () -> ImageDecoder.decodeSquare("not a picture at all".getBytes(StandardCharsets.UTF_8), 16));
        assertTrue(garbage.getMessage().contains("not an image format"), garbage.getMessage());
        assertThrows(UnreadableImageException.class, () -> ImageDecoder.decodeSquare(new byte[0], 16));
    }
}
