package io.sparktrain.datasets.imagenet;

import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardSpec;
import java.io.IOException;
import java.util.Arrays;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads a shard written by {@link ImageNetExporter} (S x S squares, either pixel format) and cuts a
 * C x C crop out of each image, optionally mirrored, normalized with {@link ImageNetNormalization}.
 * Features come out as floats {@code [n, 3 * C * C]}, channel-major like the stored squares; labels
 * pass through. Runs on executors through {@code fitPaths(paths, loader)}, so it holds only its
 * settings.
 */
abstract class CropLoader implements DataSetLoader {
    private static final long serialVersionUID = 1L;

    private final int cropSize;

    CropLoader(int cropSize) {
        if (cropSize < 1) {
            throw new IllegalArgumentException("crop size must be at least 1, got " + cropSize);
        }
        this.cropSize = cropSize;
    }

    public int cropSize() {
        return cropSize;
    }

    /** Where example {@code example}'s crop starts and whether it is mirrored. */
    record Crop(int top, int left, boolean flip) {}

    /** Chooses the crops of one shard, in example order. */
    abstract Crop[] crops(String path, int examples, int storedSize);

    @Override
    public DataSet load(Source source) throws IOException {
        return crop(ShardLoaders.readStored(source), source.getPath());
    }

    DataSet crop(DataSet stored, String path) throws IOException {
        INDArray features = stored.getFeatures();
        int n = (int) features.size(0);
        long perImage = features.length() / n;
        int size = (int) Math.round(Math.sqrt(perImage / 3.0));
        if (features.rank() != 2 || 3L * size * size != perImage) {
            throw new IOException(path + ": features of shape " + Arrays.toString(features.shape())
                    + " are not [n, 3 * S * S] squares of an image export");
        }
        if (cropSize > size) {
            throw new IOException(path + ": cannot crop " + cropSize + "x" + cropSize + " out of the stored "
                    + size + "x" + size + " images; export with a short side of at least " + cropSize);
        }
        Pixels pixels = Pixels.of(features);
        Crop[] crops = crops(path, n, size);
        int c2 = cropSize * cropSize;
        float[] out = new float[n * 3 * c2];
        for (int i = 0; i < n; i++) {
            Crop crop = crops[i];
            for (int channel = 0; channel < 3; channel++) {
                int from = i * 3 * size * size + channel * size * size;
                int to = i * 3 * c2 + channel * c2;
                for (int y = 0; y < cropSize; y++) {
                    int row = from + (crop.top() + y) * size + crop.left();
                    for (int x = 0; x < cropSize; x++) {
                        float value = pixels.unit(row + (crop.flip() ? cropSize - 1 - x : x));
                        out[to + y * cropSize + x] = ImageNetNormalization.normalize(value, channel);
                    }
                }
            }
        }
        return new DataSet(Nd4j.create(out, new long[] {n, 3L * c2}, 'c'), stored.getLabels());
    }

    /**
     * Fails unless this loader can crop the images of an export of {@code spec}: a check for the
     * driver, before any task would find out.
     */
    public void requireFits(ShardSpec spec) {
        int[] shape = spec.featureShape();
        if (shape.length != 3 || shape[0] != 3 || shape[1] != shape[2]) {
            throw new IllegalArgumentException(spec.dataset() + " holds examples of shape " + Arrays.toString(shape)
                    + ", not the [3, S, S] squares of an image export");
        }
        if (cropSize > shape[1]) {
            throw new IllegalArgumentException("a crop of " + cropSize + "x" + cropSize + " does not fit the "
                    + shape[1] + "x" + shape[1] + " images of " + spec.dataset() + "; export with a short side of "
                    + "at least " + cropSize);
        }
    }

    /** Stored pixels as values in [0, 1], read without copying the shard into floats first. */
    private record Pixels(byte[] bytes, float[] floats) {
        static Pixels of(INDArray features) {
            return features.dataType() == DataType.UBYTE ? new Pixels(features.data().asBytes(), null)
                    : new Pixels(null, features.castTo(DataType.FLOAT).data().asFloat());
        }

        float unit(int index) {
            return bytes != null ? (bytes[index] & 0xFF) / 255f : floats[index];
        }
    }
}
