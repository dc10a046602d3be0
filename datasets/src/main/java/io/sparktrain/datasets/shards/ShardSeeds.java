package io.sparktrain.datasets.shards;

import java.nio.charset.StandardCharsets;

/**
 * The seed of one shard's augmentation in one epoch: it depends only on the run's seed, the epoch
 * and the shard's file name, so a run repeats exactly wherever the shards are read from and
 * whichever executor reads them, and a new epoch draws anew.
 */
public final class ShardSeeds {
    private ShardSeeds() {}

    /** Mixes seed, epoch and the file name (FNV-1a) of {@code path} into one seed. */
    public static long of(long seed, int epoch, String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        long hash = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return hash ^ (seed * 0x9E3779B97F4A7C15L) ^ ((long) epoch * 0xC2B2AE3D27D4EB4FL);
    }
}
