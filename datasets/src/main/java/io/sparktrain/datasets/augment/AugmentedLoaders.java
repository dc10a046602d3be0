package io.sparktrain.datasets.augment;

import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardSeeds;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.impl.SerializedDataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Shards of flattened images (MNIST's format) with {@link Augmentation} applied to the training
 * images on the executors, drawn anew every epoch and reproducibly from the run's seed; evaluation
 * reads the shards as stored.
 */
public record AugmentedLoaders(Augmentation augmentation, int channels, int height, int width, long seed)
        implements ShardLoaders {

    @Override
    public DataSetLoader training(int epoch) {
        return new Loader(this, epoch);
    }

    @Override
    public DataSetLoader evaluation() {
        return new SerializedDataSetLoader();
    }

    /** One epoch's training loader; holds only settings, as it travels to the executors. */
    record Loader(AugmentedLoaders settings, int epoch) implements DataSetLoader {
        @Override
        public DataSet load(Source source) throws IOException {
            return augment(ShardLoaders.readStored(source), source.getPath());
        }

        DataSet augment(DataSet stored, String path) throws IOException {
            INDArray features = stored.getFeatures();
            int size = settings.channels() * settings.height() * settings.width();
            if (features.rank() != 2 || features.size(1) != size) {
                throw new IOException(path + ": features of shape " + Arrays.toString(features.shape()) + " are not "
                        + "[n, " + size + "] images of " + settings.channels() + "x" + settings.height() + "x"
                        + settings.width());
            }
            int n = (int) features.size(0);
            float[] images = features.castTo(DataType.FLOAT).dup('c').data().asFloat();
            float[] augmented = settings.augmentation().apply(images, n, settings.channels(), settings.height(),
                    settings.width(), new Random(ShardSeeds.of(settings.seed(), epoch, path)));
            return new DataSet(Nd4j.create(augmented, new long[] {n, size}, 'c'), stored.getLabels());
        }
    }
}
