package io.sparktrain.datasets.imagenet;

import io.sparktrain.datasets.shards.ShardSeeds;
import java.util.Random;

/**
 * Training augmentation: a uniformly placed C x C crop of each stored S x S image, mirrored left to
 * right with probability one half, then normalized. The crops of a shard depend only on the seed,
 * the epoch and the shard's file name, so a run repeats exactly wherever the shards are read from
 * and whichever executor reads them; a new epoch gives new crops. Create one loader per epoch.
 */
public final class RandomCropFlipLoader extends CropLoader {
    private static final long serialVersionUID = 1L;

    private final long seed;
    private final int epoch;

    public RandomCropFlipLoader(int cropSize, long seed, int epoch) {
        super(cropSize);
        this.seed = seed;
        this.epoch = epoch;
    }

    @Override
    Crop[] crops(String path, int examples, int storedSize) {
        Random random = new Random(ShardSeeds.of(seed, epoch, path));
        int range = storedSize - cropSize() + 1;
        Crop[] crops = new Crop[examples];
        for (int i = 0; i < examples; i++) {
            crops[i] = new Crop(random.nextInt(range), random.nextInt(range), random.nextBoolean());
        }
        return crops;
    }
}
