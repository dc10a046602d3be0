package io.sparktrain.datasets.imagenet;

import io.sparktrain.datasets.shards.ShardSet;

/**
 * A finished image export: its shards (which training reads by path through the loaders), the
 * class of each label index, and the report of what was and was not exported.
 */
public record ImageExport(ShardSet shards, ClassList classes, ExportReport report) {
    /** S, the side of the stored squares. */
    public int shortSide() {
        return shards.manifest().spec().featureShape()[1];
    }
}
