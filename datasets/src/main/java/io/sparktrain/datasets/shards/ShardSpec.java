package io.sparktrain.datasets.shards;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything that determines an export's content. Two exports with equal specs hold the same
 * batches, so an existing export is reused only when its spec equals the one asked for.
 *
 * @param dataset name of the source, e.g. {@code mnist-train}
 * @param sourceSha256 digest of the source images and labels, so changed data is never mistaken for old
 * @param examples examples exported
 * @param batchSize examples per shard (the last shard may hold fewer)
 * @param shuffleSeed seed of the one shuffle applied before batching
 * @param featureShape shape of one example's features, e.g. {@code [1, 28, 28]}
 * @param numClasses width of the one-hot labels
 */
public record ShardSpec(String dataset, String sourceSha256, int examples, int batchSize, long shuffleSeed,
        int[] featureShape, int numClasses) implements Serializable {

    /** A directory name that differs whenever the content would. */
    public String directoryName() {
        return String.format("%s-n%d-b%d-seed%d-%s", dataset, examples, batchSize, shuffleSeed,
                sourceSha256.substring(0, 12));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardSpec s && dataset.equals(s.dataset) && sourceSha256.equals(s.sourceSha256)
                && examples == s.examples && batchSize == s.batchSize && shuffleSeed == s.shuffleSeed
                && Arrays.equals(featureShape, s.featureShape) && numClasses == s.numClasses;
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataset, sourceSha256, examples, batchSize, shuffleSeed, numClasses)
                * 31 + Arrays.hashCode(featureShape);
    }
}
