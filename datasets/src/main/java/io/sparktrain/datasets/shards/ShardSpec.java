package io.sparktrain.datasets.shards;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Everything that determines an export's content. Two exports with equal specs hold the same
 * batches, so an existing export is reused only when its spec equals the one asked for.
 *
 * @param dataset name of the source, e.g. {@code mnist-train}
 * @param sourceSha256 digest of the source images and labels, so changed data is never mistaken for old
 * @param examples examples given to the export; an image export that skips unreadable files writes
 *     fewer, and its manifest counts what was written
 * @param batchSize examples per shard (the last shard may hold fewer)
 * @param shuffleSeed seed of the one shuffle applied before batching
 * @param featureShape shape of one example's features, e.g. {@code [1, 28, 28]}
 * @param numClasses width of the one-hot labels
 * @param classes name of each label index, in index order, or null where the index is the label
 *     itself (MNIST's digits); kept so that a run can tell when the same index means another class
 */
public record ShardSpec(String dataset, String sourceSha256, int examples, int batchSize, long shuffleSeed,
        int[] featureShape, int numClasses, @JsonInclude(JsonInclude.Include.NON_NULL) List<String> classes)
        implements Serializable {

    @JsonCreator
    public ShardSpec {
        if (classes != null) {
            classes = List.copyOf(classes);
            if (classes.size() != numClasses) {
                throw new IllegalArgumentException(dataset + ": " + classes.size() + " class names for "
                        + numClasses + " classes");
            }
        }
    }

    /** A spec whose label indices are the labels themselves. */
    public ShardSpec(String dataset, String sourceSha256, int examples, int batchSize, long shuffleSeed,
            int[] featureShape, int numClasses) {
        this(dataset, sourceSha256, examples, batchSize, shuffleSeed, featureShape, numClasses, null);
    }

    /** A directory name that differs whenever the content would. */
    public String directoryName() {
        return String.format("%s-n%d-b%d-seed%d-%s", dataset, examples, batchSize, shuffleSeed,
                sourceSha256.substring(0, 12));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardSpec s && dataset.equals(s.dataset) && sourceSha256.equals(s.sourceSha256)
                && examples == s.examples && batchSize == s.batchSize && shuffleSeed == s.shuffleSeed
                && Arrays.equals(featureShape, s.featureShape) && numClasses == s.numClasses
                && Objects.equals(classes, s.classes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataset, sourceSha256, examples, batchSize, shuffleSeed, numClasses, classes)
                * 31 + Arrays.hashCode(featureShape);
    }
}
