package io.sparktrain.datasets.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class AugmentationTest {
    /** A 5x5 image, 0 everywhere but one pixel. */
    private static float[] dot(int x, int y) {
        float[] image = new float[25];
        image[y * 5 + x] = 1;
        return image;
    }

    private static float[] transformed(float[] image, int dx, int dy, double degrees, boolean mirror) {
        float[] out = new float[image.length];
        Augmentation.transform(image, out, 0, 1, 5, 5, dx, dy, Math.toRadians(degrees), mirror);
        return out;
    }

    @Test
    void shiftsMoveEveryPixelAndFillWithBackground() {
        assertArrayEquals(dot(3, 1), transformed(dot(1, 0), 2, 1, 0, false));
        assertArrayEquals(new float[25], transformed(dot(4, 4), 1, 0, 0, false), "shifted out of the image");
    }

    @Test
    void rotationTurnsAboutTheCentreAndMirrorFlipsLeftAndRight() {
        // Right of the centre turns to above it: a quarter turn counter-clockwise as the image is shown.
        assertArrayEquals(dot(2, 0), transformed(dot(4, 2), 0, 0, 90, false), 1e-6f);
        assertArrayEquals(dot(0, 2), transformed(dot(4, 2), 0, 0, 180, false), 1e-6f);
        assertArrayEquals(dot(0, 3), transformed(dot(4, 3), 0, 0, 0, true));
        float[] small = transformed(dot(4, 2), 0, 0, 10, false);
        float sum = 0;
        for (float v : small) {
            sum += v;
        }
        assertEquals(1, sum, 0.05, "bilinear sampling keeps a small turn's brightness");
    }

    @Test
    void eachEpochDrawsAnewAndRepeatsExactly() throws IOException {
        Nd4j.getRandom().setSeed(1);
        DataSet stored = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 2 * 6 * 6), Nd4j.eye(8).castTo(DataType.FLOAT));
        AugmentedLoaders loaders = new AugmentedLoaders(new Augmentation(2, 15, true), 2, 6, 6, 42);
        DataSet first = ((AugmentedLoaders.Loader) loaders.training(1)).augment(stored, "/shards/shard-00001.bin");
        DataSet again = ((AugmentedLoaders.Loader) loaders.training(1)).augment(stored, "hdfs://nn/x/shard-00001.bin");
        DataSet second = ((AugmentedLoaders.Loader) loaders.training(2)).augment(stored, "/shards/shard-00001.bin");
        assertEquals(first.getFeatures(), again.getFeatures(), "the same shard and epoch wherever it is read");
        assertFalse(first.getFeatures().equals(second.getFeatures()), "a new epoch, new changes");
        assertFalse(first.getFeatures().equals(stored.getFeatures()));
        assertEquals(stored.getLabels(), first.getLabels());
        assertArrayEquals(stored.getFeatures().shape(), first.getFeatures().shape());

        DataSet wrongShape = new DataSet(Nd4j.rand(DataType.FLOAT, 2, 10), Nd4j.eye(2).castTo(DataType.FLOAT));
        String message = assertThrows(IOException.class, () -> ((AugmentedLoaders.Loader) loaders.training(1))
                .augment(wrongShape, "s.bin")).getMessage();
        assertTrue(message.contains("s.bin: features of shape [2, 10] are not [n, 72] images of 2x6x6"), message);
    }

    @Test
    void noneLeavesImagesAsTheyAre() {
        float[] images = new float[2 * 25];
        Arrays.fill(images, 0.5f);
        images[7] = 1;
        assertTrue(Augmentation.NONE.isNone());
        assertArrayEquals(images, Augmentation.NONE.apply(images, 2, 1, 5, 5, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(-1, 0, false));
    }
}
