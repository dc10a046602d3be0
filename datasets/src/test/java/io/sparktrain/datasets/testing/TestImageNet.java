package io.sparktrain.datasets.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A small ImageNet-layout dataset written as real JPEG and PNG files, whose classes a model can
 * learn: each class has its own dominant colour, under noise and a distracting shape, at varied
 * sizes and aspect ratios. Besides the good images, the training folders hold what real copies of
 * ImageNet hold: a truncated JPEG, a file that is not an image, images nested one folder deeper
 * (Tiny ImageNet's {@code train/<wnid>/images/}), grayscale and RGBA images, and a class folder
 * outside the usual selection.
 */
public final class TestImageNet {
    /** Three of Imagenette's WNIDs: tench, English springer, cassette player. */
    public static final List<String> CLASSES = List.of("n01440764", "n02102040", "n02979186");
    /** A class folder that selections of {@link #CLASSES} leave out. */
    public static final String OTHER_CLASS = "n09999999";
    public static final String CORRUPT = CLASSES.get(1) + "/truncated.JPEG";
    public static final String NOT_AN_IMAGE = CLASSES.get(2) + "/notes.txt";
    private static final Color[] COLOURS = {new Color(200, 40, 40), new Color(40, 190, 60), new Color(40, 60, 200),
        new Color(200, 200, 40)};

    private TestImageNet() {}

    /**
     * Writes {@code root/train/<wnid>/} with {@code perClass} good images per class of
     * {@link #CLASSES}, two of {@link #OTHER_CLASS}, and the odd files named above.
     */
    public static Path writeTrain(Path root, int perClass, long seed) throws IOException {
        Path train = root.resolve("train");
        Random random = new Random(seed);
        for (int label = 0; label < CLASSES.size(); label++) {
            Path folder = Files.createDirectories(train.resolve(CLASSES.get(label)));
            for (int i = 0; i < perClass; i++) {
                // Tiny ImageNet keeps its images one folder down; every third image here does.
                Path dir = i % 3 == 2 ? Files.createDirectories(folder.resolve("images")) : folder;
                String name = CLASSES.get(label) + "_" + i;
                if (i == 0 && label == 0) {
                    writePng(withAlpha(image(label, random)), dir.resolve(name + ".png"));
                } else if (i == 1 && label == 2) {
                    writeJpeg(gray(image(label, random)), dir.resolve(name + ".jpeg"));
                } else {
                    writeJpeg(image(label, random), dir.resolve(name + (i % 2 == 0 ? ".JPEG" : ".jpg")));
                }
            }
        }
        Path other = Files.createDirectories(train.resolve(OTHER_CLASS));
        for (int i = 0; i < 2; i++) {
            writeJpeg(image(3, random), other.resolve(OTHER_CLASS + "_" + i + ".JPEG"));
        }
        byte[] whole = jpeg(image(1, random));
        Files.write(train.resolve(CORRUPT), Arrays.copyOf(whole, whole.length * 2 / 5));
        Files.writeString(train.resolve(NOT_AN_IMAGE), "bounding boxes would be here\n");
        return train;
    }

    /** Writes {@code perClass} validation images per class into {@code dir/<wnid>/}. */
    public static Path writeClassFolders(Path dir, int perClass, long seed) throws IOException {
        Random random = new Random(seed);
        for (int label = 0; label < CLASSES.size(); label++) {
            Path folder = Files.createDirectories(dir.resolve(CLASSES.get(label)));
            for (int i = 0; i < perClass; i++) {
                writeJpeg(image(label, random), folder.resolve("val_" + label + "_" + i + ".JPEG"));
            }
        }
        return dir;
    }

    /**
     * Writes {@code labels.length} images into {@code dir} named ILSVRC2012_val_00000001.JPEG and on,
     * image k of class {@code labels[k - 1]} (an index into {@link #CLASSES}, or 3 for
     * {@link #OTHER_CLASS}).
     */
    public static List<String> writeFlat(Path dir, int[] labels, long seed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(seed);
        String[] names = new String[labels.length];
        for (int k = 0; k < labels.length; k++) {
            names[k] = String.format("ILSVRC2012_val_%08d.JPEG", k + 1);
            writeJpeg(image(labels[k], random), dir.resolve(names[k]));
        }
        return List.of(names);
    }

    /** An image of class {@code label}: its colour under noise, with a shape of another colour, at a random size. */
    public static BufferedImage image(int label, Random random) {
        int width = 40 + random.nextInt(60);
        int height = 40 + random.nextInt(60);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Color base = COLOURS[label];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, new Color(noisy(base.getRed(), random), noisy(base.getGreen(), random),
                        noisy(base.getBlue(), random)).getRGB());
            }
        }
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
        g.fillOval(random.nextInt(width / 2), random.nextInt(height / 2), width / 4, height / 4);
        g.dispose();
        return image;
    }

    private static int noisy(int value, Random random) {
        return Math.max(0, Math.min(255, value + (int) (random.nextGaussian() * 25)));
    }

    public static BufferedImage gray(BufferedImage image) {
        BufferedImage gray = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return gray;
    }

    public static BufferedImage withAlpha(BufferedImage image) {
        BufferedImage argb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                argb.setRGB(x, y, (image.getRGB(x, y) & 0xFFFFFF) | ((x * 255 / image.getWidth()) << 24));
            }
        }
        return argb;
    }

    public static byte[] jpeg(BufferedImage image) throws IOException {
        return encode(image, "jpeg");
    }

    public static byte[] png(BufferedImage image) throws IOException {
        return encode(image, "png");
    }

    public static void writeJpeg(BufferedImage image, Path file) throws IOException {
        Files.write(file, jpeg(image));
    }

    public static void writePng(BufferedImage image, Path file) throws IOException {
        Files.write(file, png(image));
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IOException("no ImageIO writer for " + format + " images of type " + image.getType());
        }
        return out.toByteArray();
    }
}
