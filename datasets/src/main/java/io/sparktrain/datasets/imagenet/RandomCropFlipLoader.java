package io.sparktrain.datasets.imagenet;

import java.nio.charset.StandardCharsets;
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
        Random random = new Random(seedFor(path));
        int range = storedSize - cropSize() + 1;
        Crop[] crops = new Crop[examples];
        for (int i = 0; i < examples; i++) {
            crops[i] = new Crop(random.nextInt(range), random.nextInt(range), random.nextBoolean());
        }
        return crops;
    }

    /** Mixes seed, epoch and the shard's file name (FNV-1a) into one seed. */
    long seedFor(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return hash ^ (seed * 0x9E3779B97F4A7C15L) ^ ((long) epoch * 0xC2B2AE3D27D4EB4FL);
    }
}
