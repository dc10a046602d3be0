package io.sparktrain.trainer.gan;

import io.sparktrain.datasets.shards.ShardSeeds;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A generator minibatch: noise labelled 1 ("real"), so that the adversarial network's loss is
 * -log D(G(z)). The shard path only names the slot and seeds the noise; no image is read.
 */
record GeneratorBatches(int rows, int noiseSize, long seed, int epoch) implements DataSetLoader {
    /** Keeps the generator's noise apart from the discriminator's fakes of the same shard. */
    private static final long GENERATOR_SALT = 0x6A09E667F3BCC909L;

    @Override
    public DataSet load(Source source) {
        return forSlot(source.getPath());
    }

    /** The minibatch of the generator slot named {@code path}. */
    DataSet forSlot(String path) {
        long slot = ShardSeeds.of(seed ^ GENERATOR_SALT, epoch, path);
        return new DataSet(GanImages.noise(slot, rows, noiseSize), Nd4j.ones(DataType.FLOAT, rows, 1));
    }
}
