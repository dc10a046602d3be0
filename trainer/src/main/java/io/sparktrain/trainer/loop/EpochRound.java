package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.shards.ShardManifest.Shard;
import io.sparktrain.datasets.shards.ShardSet;
import java.util.ArrayList;
import java.util.List;

/**
 * One synchronization round of an epoch: the next shards of the epoch's order, as paths for the
 * workers, with their example counts. The classifier's loop and the GAN's cut their epochs alike.
 *
 * @param number the round's number in its epoch, from 1
 * @param rows the examples of each shard, in the order of {@code paths}
 * @param done shards of the epoch done once this round is
 */
public record EpochRound(int number, List<String> paths, List<Integer> rows, long examples, int done) {

    /** {@code order} cut into rounds of {@code perRound} shards (the last may hold fewer). */
    public static List<EpochRound> cut(ShardSet train, List<Shard> order, int perRound) {
        List<EpochRound> rounds = new ArrayList<>();
        for (int from = 0; from < order.size(); from += perRound) {
            List<String> paths = new ArrayList<>();
            List<Integer> rows = new ArrayList<>();
            long examples = 0;
            for (Shard shard : order.subList(from, Math.min(order.size(), from + perRound))) {
                paths.add(train.uriOf(shard).toString());
                rows.add(shard.examples());
                examples += shard.examples();
            }
            rounds.add(new EpochRound(rounds.size() + 1, List.copyOf(paths), List.copyOf(rows), examples,
                    from + paths.size()));
        }
        return rounds;
    }

    /** Progress is reported every whole number of rounds that comes closest below {@code batches}. */
    public static int reportEvery(int perRound, int batches) {
        return Math.max(perRound, batches / perRound * perRound);
    }
}
