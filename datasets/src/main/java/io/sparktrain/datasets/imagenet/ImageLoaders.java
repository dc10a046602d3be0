package io.sparktrain.datasets.imagenet;

import io.sparktrain.datasets.shards.ShardLoaders;
import org.deeplearning4j.core.loader.DataSetLoader;

/**
 * Image exports as the ResNets see them: random C x C crops with horizontal flips for training,
 * new every epoch, and centre crops for evaluation, both normalized with ImageNet's statistics.
 */
public record ImageLoaders(int cropSize, long seed) implements ShardLoaders {

    @Override
    public DataSetLoader training(int epoch) {
        return new RandomCropFlipLoader(cropSize, seed, epoch);
    }

    @Override
    public DataSetLoader evaluation() {
        return new CenterCropLoader(cropSize);
    }
}
