package io.sparktrain.datasets.imagenet;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Turns an encoded image (anything javax.imageio reads: JPEG and PNG, also CMYK JPEGs where the
 * TwelveMonkeys reader DL4J brings is on the class path) into an RGB square: the shorter side
 * resized to {@code size} with antialiased bilinear resampling, then the centre {@code size} x
 * {@code size} cut out, as torchvision's {@code Resize(size)} then {@code CenterCrop(size)} do.
 * Grayscale is repeated into three channels and alpha is dropped, as PIL's {@code convert("RGB")}
 * does. Anything that cannot be read so is an {@link UnreadableImageException} with the reason.
 */
public final class ImageDecoder {
    /** Larger images are refused rather than risk an executor's memory (PIL warns above 89 million). */
    public static final long MAX_PIXELS = 64L * 1024 * 1024;
    /** Names the resampling in export digests: change it whenever the pixels it produces would change. */
    static final String RESAMPLING = "shorter-side antialiased-bilinear, centre crop, v1";

    static {
        // Decoding works on bytes in memory; ImageIO's disk cache would only add temporary files.
        ImageIO.setUseCache(false);
    }

    private ImageDecoder() {}

    /**
     * An image as planes of pixel values in [0, 255], channel-major: {@code chw[c * size * size + y
     * * size + x]} for c = red, green, blue.
     *
     * @param warnings what the reader warned about while still producing the whole image
     */
    public record Square(int size, float[] chw, List<String> warnings) {}

    /** A file that is not an image this JVM can read, with why. */
    public static final class UnreadableImageException extends Exception {
        UnreadableImageException(String reason) {
            super(reason);
        }
    }

    public static Square decodeSquare(byte[] encoded, int size) throws UnreadableImageException {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1, got " + size);
        }
        Decoded decoded = decode(encoded);
        return new Square(size, resizeAndCrop(decoded.image, size), decoded.warnings);
    }

    private record Decoded(BufferedImage image, List<String> warnings) {}

    /** Tries every reader that recognises the bytes, so one reader's gap is filled by the next. */
    private static Decoded decode(byte[] encoded) throws UnreadableImageException {
        if (encoded.length == 0) {
            throw new UnreadableImageException("empty file");
        }
        List<String> failures = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnreadableImageException("not an image format this JVM reads (its first bytes match no "
                        + "ImageIO reader for JPEG or PNG)");
            }
            while (readers.hasNext()) {
                ImageReader reader = readers.next();
                List<String> warnings = new ArrayList<>();
                try {
                    in.seek(0);
                    reader.setInput(in, false, false);
                    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                    long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                    if (pixels > MAX_PIXELS) {
                        throw new UnreadableImageException(reader.getWidth(0) + "x" + reader.getHeight(0)
                                + " pixels is more than the " + MAX_PIXELS + " this exporter decodes");
                    }
                    BufferedImage image = reader.read(0);
                    String truncation = warnings.stream().filter(ImageDecoder::meansTruncated).findFirst().orElse(null);
                    if (truncation != null) {
                        throw new UnreadableImageException("truncated: " + truncation);
                    }
                    return new Decoded(image, List.copyOf(warnings));
                } catch (UnreadableImageException e) {
                    throw e;
                } catch (Exception | StackOverflowError e) {
                    // Readers signal broken files with IIOException but also with runtime exceptions.
                    failures.add(reader.getOriginatingProvider().getDescription(Locale.ROOT) + ": " + e);
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException e) {
            failures.add(e.toString());
        }
        throw new UnreadableImageException("cannot be decoded: " + String.join("; ", failures));
    }

    /** A reader that warns of a premature end fills the missing part with grey: not a usable image. */
    private static boolean meansTruncated(String warning) {
        String text = warning.toLowerCase(Locale.ROOT);
        return text.contains("truncated") || text.contains("premature end");
    }

    /** Resizes {@code image}'s shorter side to {@code size} and cuts out the centre square. */
    static float[] resizeAndCrop(BufferedImage image, int size) {
        int width = image.getWidth();
        int height = image.getHeight();
        // As torchvision's Resize(int): the longer side is scaled by the same factor and truncated.
        int resizedWidth = width <= height ? size : Math.max(size, (int) ((long) size * width / height));
        int resizedHeight = width <= height ? Math.max(size, (int) ((long) size * height / width)) : size;
        Coefficients columns = Coefficients.of(width, resizedWidth, (int) Math.round((resizedWidth - size) / 2.0), size);
        Coefficients rows = Coefficients.of(height, resizedHeight, (int) Math.round((resizedHeight - size) / 2.0), size);
        float[] chw = new float[3 * size * size];
        int[] plane = new int[width * height];
        float[] horizontal = new float[height * size];
        RgbSource source = RgbSource.of(image);
        for (int c = 0; c < 3; c++) {
            if (c > 0 && source.gray) {
                System.arraycopy(chw, 0, chw, c * size * size, size * size);
                continue;
            }
            source.channel(c, plane);
            resample(plane, width, height, columns, rows, horizontal, chw, c * size * size, size);
        }
        return chw;
    }

    /** Separable resampling: rows first into {@code horizontal}, then columns into {@code out}. */
    private static void resample(int[] plane, int width, int height, Coefficients columns, Coefficients rows,
            float[] horizontal, float[] out, int offset, int size) {
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < size; x++) {
                float sum = 0;
                int first = columns.first[x];
                float[] weights = columns.weights[x];
                for (int k = 0; k < weights.length; k++) {
                    sum += weights[k] * plane[row + first + k];
                }
                horizontal[y * size + x] = sum;
            }
        }
        for (int y = 0; y < size; y++) {
            int first = rows.first[y];
            float[] weights = rows.weights[y];
            for (int x = 0; x < size; x++) {
                float sum = 0;
                for (int k = 0; k < weights.length; k++) {
                    sum += weights[k] * horizontal[(first + k) * size + x];
                }
                out[offset + y * size + x] = sum;
            }
        }
    }

    /**
     * For each output pixel of a crop of a resized axis, the input pixels it averages and their
     * weights: a triangle (bilinear) filter stretched by the downscaling factor, so that shrinking
     * averages every input pixel instead of skipping most of them (the antialiasing PIL and
     * torchvision apply).
     */
    private record Coefficients(int[] first, float[][] weights) {
        static Coefficients of(int inLength, int outLength, int cropOffset, int cropLength) {
            double scale = (double) inLength / outLength;
            double support = Math.max(scale, 1.0);
            int[] first = new int[cropLength];
            float[][] weights = new float[cropLength][];
            for (int i = 0; i < cropLength; i++) {
                double center = (cropOffset + i + 0.5) * scale;
                int from = Math.max(0, (int) Math.floor(center - support));
                int to = Math.min(inLength, (int) Math.ceil(center + support));
                double[] w = new double[to - from];
                double total = 0;
                for (int j = from; j < to; j++) {
                    w[j - from] = Math.max(0, 1 - Math.abs((j + 0.5 - center) / support));
                    total += w[j - from];
                }
                weights[i] = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    weights[i][k] = (float) (w[k] / total);
                }
                first[i] = from;
            }
            return new Coefficients(first, weights);
        }
    }

    /** Reads one colour channel of an image as values in [0, 255], whatever its colour model. */
    private static final class RgbSource {
        final BufferedImage image;
        final boolean gray;
        final boolean componentRgb;
        final int[] argb;

        private RgbSource(BufferedImage image, boolean gray, boolean componentRgb, int[] argb) {
            this.image = image;
            this.gray = gray;
            this.componentRgb = componentRgb;
            this.argb = argb;
        }

        static RgbSource of(BufferedImage image) {
            ColorModel model = image.getColorModel();
            ColorSpace space = model.getColorSpace();
            // Java treats gray as linear and brightens it on the way to sRGB; the samples are what
            // the file holds, and what PIL repeats into R, G and B.
            boolean gray = model instanceof ComponentColorModel && space.getType() == ColorSpace.TYPE_GRAY;
            boolean componentRgb = model instanceof ComponentColorModel && space.isCS_sRGB()
                    && image.getRaster().getNumBands() >= 3;
            int[] argb = gray || componentRgb ? null
                    : image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
            return new RgbSource(image, gray, componentRgb, argb);
        }

        void channel(int c, int[] plane) {
            int width = image.getWidth();
            int height = image.getHeight();
            if (gray || componentRgb) {
                Raster raster = image.getRaster();
                int band = gray ? 0 : c;
                raster.getSamples(0, 0, width, height, band, plane);
                int bits = image.getColorModel().getComponentSize(band);
                if (bits != 8) {
                    long max = (1L << bits) - 1;
                    for (int i = 0; i < plane.length; i++) {
                        plane[i] = (int) Math.round(plane[i] * 255.0 / max);
                    }
                }
                return;
            }
            int shift = 16 - 8 * c;
            for (int i = 0; i < plane.length; i++) {
                plane[i] = (argb[i] >> shift) & 0xFF;
            }
        }
    }
}
