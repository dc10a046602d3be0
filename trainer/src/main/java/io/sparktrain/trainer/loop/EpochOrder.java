package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.shards.ShardManifest.Shard;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** The order in which an epoch visits the shards of an export. */
public final class EpochOrder {
    private EpochOrder() {}

    /**
     * The shards of one epoch in a seeded order. A short shard (the remainder of the export) goes
     * last: DL4J workers re-slice their files into full minibatches and skip what exceeds a round,
     * so a short shard in the middle of a round would cost examples.
     */
    public static List<Shard> of(List<Shard> shards, int epoch, long seed, int maxBatches) {
        int fullSize = shards.stream().mapToInt(Shard::examples).max().orElse(0);
        List<Shard> full = new ArrayList<>();
        List<Shard> partial = new ArrayList<>();
        for (Shard shard : shards) {
            (shard.examples() == fullSize ? full : partial).add(shard);
        }
        Collections.shuffle(full, new Random(seed * 1_000_003L + epoch));
        full.addAll(partial);
        return maxBatches > 0 && maxBatches < full.size() ? List.copyOf(full.subList(0, maxBatches)) : full;
    }
}
