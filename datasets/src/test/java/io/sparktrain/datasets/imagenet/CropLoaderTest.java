package io.sparktrain.datasets.imagenet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.shards.ShardSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.junit.jupiter.api.Test;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The loaders on shards made in memory, whose pixels tell where in the stored image they came from. */
class CropLoaderTest {
    private static final int S = 10;
    private static final int C = 6;
    private static final int N = 16;
    private static final float[] MEAN = ImageNetNormalization.mean();
    private static final float[] STD = ImageNetNormalization.std();

    /** Pixel (c, y, x) of example i holds 10 * x + y + 100 * c + i (all below 256 for S = 10, i < 16 and c < 2). */
    private static int value(int i, int c, int y, int x) {
        return c == 2 ? 255 : 10 * x + y + 100 * c + i;
    }

    private static byte[] shard(boolean asBytes) throws IOException {
        byte[] data = new byte[N * 3 * S * S];
        float[] unit = new float[data.length];
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < S; y++) {
                    for (int x = 0; x < S; x++) {
                        int at = i * 3 * S * S + c * S * S + y * S + x;
                        data[at] = (byte) value(i, c, y, x);
                        unit[at] = value(i, c, y, x) / 255f;
                    }
                }
            }
        }
        INDArray features = asBytes
                ? Nd4j.create(Nd4j.createBuffer(ByteBuffer.wrap(data), DataType.UINT8, data.length), new long[] {N, 3 * S * S})
                : Nd4j.create(unit, new long[] {N, 3 * S * S}, 'c');
        float[] labels = new float[N * 2];
        for (int i = 0; i < N; i++) {
            labels[i * 2 + i % 2] = 1;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DataSet(features, Nd4j.create(labels, new long[] {N, 2}, 'c')).save(out);
        return out.toByteArray();
    }

    private static Source source(String path, byte[] bytes) {
        return new Source() {
            @Override
            public InputStream getInputStream() {
                return new ByteArrayInputStream(bytes);
            }

            @Override
            public String getPath() {
                return path;
            }
        };
    }

    /** The stored value a normalized output pixel came from. */
    private static int stored(float normalized, int channel) {
        return Math.round((normalized * STD[channel] + MEAN[channel]) * 255);
    }

    @Test
    void centreCropIsTheMiddleNormalized() throws IOException {
        DataSet out = new CenterCropLoader(C).load(source("file:///x/shard-000000.bin", shard(true)));
        assertArrayEquals(new long[] {N, 3 * C * C}, out.getFeatures().shape());
        assertEquals(DataType.FLOAT, out.getFeatures().dataType());
        assertEquals(2, out.getLabels().size(1));
        float[] f = out.getFeatures().data().asFloat();
        int offset = (S - C) / 2;
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < C; y++) {
                    for (int x = 0; x < C; x++) {
                        float expected = (value(i, c, offset + y, offset + x) / 255f - MEAN[c]) / STD[c];
                        assertEquals(expected, f[i * 3 * C * C + c * C * C + y * C + x], 1e-5f);
                    }
                }
            }
        }
        assertEquals((1f - 0.406f) / 0.225f, f[2 * C * C], 1e-5f, "blue 255 with ImageNet's blue mean and std");
        assertEquals(out.getFeatures(), new CenterCropLoader(C).load(source("other", shard(false))).getFeatures(),
                "float shards give the same batch");
    }

    @Test
    void randomCropsFlipAndStayInside() throws IOException {
        DataSet out = new RandomCropFlipLoader(C, 42, 1).load(source("hdfs://nn/ex/shard-000003.bin", shard(true)));
        assertArrayEquals(new long[] {N, 3 * C * C}, out.getFeatures().shape());
        float[] f = out.getFeatures().data().asFloat();
        int flipped = 0;
        boolean moved = false;
        for (int i = 0; i < N; i++) {
            int base = i * 3 * C * C;
            int left = stored(f[base], 0);
            int right = stored(f[base + C - 1], 0);
            // Along a row x grows by 10 per pixel; mirrored, it falls.
            boolean flip = right < left;
            flipped += flip ? 1 : 0;
            int x0 = ((flip ? right : left) - i) / 10;
            int y0 = (flip ? right : left) - i - 10 * x0;
            assertTrue(x0 >= 0 && x0 <= S - C && y0 >= 0 && y0 <= S - C, "crop inside the image");
            moved |= x0 != (S - C) / 2 || y0 != (S - C) / 2;
            for (int y = 0; y < C; y++) {
                for (int x = 0; x < C; x++) {
                    int sourceX = x0 + (flip ? C - 1 - x : x);
                    assertEquals(value(i, 1, y0 + y, sourceX), stored(f[base + C * C + y * C + x], 1),
                            "green follows the same crop and flip");
                }
            }
        }
        assertTrue(flipped > 0 && flipped < N, flipped + " of " + N + " flipped");
        assertTrue(moved, "crops are not all central");
    }

    @Test
    void sameSeedEpochAndShardGiveTheSameBatch() throws IOException {
        byte[] shard = shard(true);
        DataSet a = new RandomCropFlipLoader(C, 7, 3).load(source("file:///a/shard-000001.bin", shard));
        DataSet b = new RandomCropFlipLoader(C, 7, 3).load(source("hdfs://nn/b/shard-000001.bin", shard));
        assertEquals(a.getFeatures(), b.getFeatures(), "the shard's name, not where it lives, seeds its crops");
        DataSet nextEpoch = new RandomCropFlipLoader(C, 7, 4).load(source("file:///a/shard-000001.bin", shard));
        DataSet otherShard = new RandomCropFlipLoader(C, 7, 3).load(source("file:///a/shard-000002.bin", shard));
        DataSet otherSeed = new RandomCropFlipLoader(C, 8, 3).load(source("file:///a/shard-000001.bin", shard));
        assertFalse(a.getFeatures().equals(nextEpoch.getFeatures()));
        assertFalse(a.getFeatures().equals(otherShard.getFeatures()));
        assertFalse(a.getFeatures().equals(otherSeed.getFeatures()));
    }

    @Test
    void loadersSurviveJavaSerializationAsSparkShipsThem() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new RandomCropFlipLoader(C, 7, 3));
        }
        DataSetLoader copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (DataSetLoader) in.readObject();
        }
        byte[] shard = shard(true);
        assertEquals(new RandomCropFlipLoader(C, 7, 3).load(source("s/shard-000001.bin", shard)).getFeatures(),
                copy.load(source("s/shard-000001.bin", shard)).getFeatures());
    }

    @Test
    void cropLargerThanTheStoredImageSaysWhatToExport() {
        IOException e = assertThrows(IOException.class,
                () -> new CenterCropLoader(S + 1).load(source("x/shard-000000.bin", shard(true))));
        assertTrue(e.getMessage().contains("cannot crop 11x11 out of the stored 10x10 images"), e.getMessage());
        ShardSpec spec = new ShardSpec("tiny-train-10px", "0".repeat(64), N, N, 1, new int[] {3, S, S}, 2,
                List.of("a", "b"));
        new CenterCropLoader(S).requireFits(spec);
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> new RandomCropFlipLoader(S + 1, 1, 1).requireFits(spec));
        assertTrue(early.getMessage().contains("export with a short side of at least 11"), early.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CenterCropLoader(4)
                .requireFits(new ShardSpec("mnist-train", "0".repeat(64), 1, 1, 1, new int[] {1, 28, 28}, 10)));
    }
}
