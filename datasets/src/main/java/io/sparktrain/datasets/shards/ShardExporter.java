package io.sparktrain.datasets.shards;

import io.sparktrain.datasets.Checksums;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.datasets.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns labeled images into pre-batched shards: serialized DL4J DataSets of {@code batchSize}
 * examples (features scaled to [0, 1], flattened; labels one-hot), written by Spark tasks to a
 * directory on any Hadoop file system, plus a manifest. Examples are shuffled once, with a seed,
 * before batching. An export whose spec matches is verified and reused instead of written again.
 */
public final class ShardExporter {
    private static final Logger log = LoggerFactory.getLogger(ShardExporter.class);

    private final JavaSparkContext sc;
    private final Storage storage;

    public ShardExporter(JavaSparkContext sc, Storage storage) {
        this.sc = sc;
        this.storage = storage;
    }

    public static ShardSpec specFor(LabeledImages data, int batchSize, long shuffleSeed) throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        String sourceSha256 = Checksums.sha256(new SequenceInputStream(
                new ByteArrayInputStream(data.pixels()), new ByteArrayInputStream(data.labels())));
        return new ShardSpec(data.name(), sourceSha256, data.count(), batchSize, shuffleSeed,
                new int[] {1, data.rows(), data.cols()}, data.numClasses());
    }

    /** Exports {@code data} below {@code shardRoot}, or verifies and reuses an export of the same spec. */
    public ShardSet exportOrReuse(LabeledImages data, URI shardRoot, int batchSize, long shuffleSeed)
            throws IOException {
        ShardSpec spec = specFor(data, batchSize, shuffleSeed);
        URI dir = ShardDirectory.of(shardRoot, spec);
        Optional<ShardSet> existing = ShardDirectory.reuse(sc, storage, dir, spec);
        if (existing.isPresent()) {
            ShardManifest manifest = existing.get().manifest();
            log.info("Reusing {} shards of {} ({} examples) at {}", manifest.shards().size(), data.name(),
                    manifest.examples(), Storage.display(dir));
            return existing.get();
        }
        // Shards without a manifest are what an interrupted export left: start that directory afresh.
        ShardDirectory.startAfresh(storage, dir);
        long start = System.nanoTime();
        List<ShardManifest.Shard> shards = writeShards(data, dir, spec);
        ShardSet written = ShardDirectory.finish(storage, dir, spec, shards);
        log.info("Exported {} examples of {} into {} shards at {} in {} s", data.count(), data.name(),
                shards.size(), Storage.display(dir), String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return written;
    }

    private List<ShardManifest.Shard> writeShards(LabeledImages data, URI dir, ShardSpec spec) {
        int numShards = (data.count() + spec.batchSize() - 1) / spec.batchSize();
        Broadcast<LabeledImages> images = sc.broadcast(data);
        Broadcast<int[]> order = sc.broadcast(ShardDirectory.shuffledOrder(data.count(), spec.shuffleSeed()));
        Storage target = storage;
        int batchSize = spec.batchSize();
        List<Integer> shardIds = IntStream.range(0, numShards).boxed().toList();
        int slices = Math.max(1, Math.min(numShards, sc.defaultParallelism() * 4));
        try {
            return SparkJobs.named(sc, "shard-export", "shard export, " + data.name(),
                    () -> new ArrayList<>(sc.parallelize(shardIds, slices)
                            .map(id -> writeShard(target, dir, images.value(), order.value(), id, batchSize))
                            .collect()));
        } finally {
            images.destroy();
            order.destroy();
        }
    }

    private static ShardManifest.Shard writeShard(Storage storage, URI dir, LabeledImages data, int[] order,
            int id, int batchSize) throws IOException {
        int from = id * batchSize;
        int to = Math.min(order.length, from + batchSize);
        return ShardDirectory.writeShard(storage, dir, id, toDataSet(data, order, from, to));
    }

    /** Every example, in order, as the shards hold them: float features in [0, 1] and one-hot labels. */
    public static DataSet toDataSet(LabeledImages data) {
        return toDataSet(data, IntStream.range(0, data.count()).toArray(), 0, data.count());
    }

    /** Examples {@code order[from..to)} as float features in [0, 1] and one-hot labels. */
    static DataSet toDataSet(LabeledImages data, int[] order, int from, int to) {
        int n = to - from;
        int pixels = data.pixelsPerImage();
        float[] features = new float[n * pixels];
        float[] labels = new float[n * data.numClasses()];
        byte[] source = data.pixels();
        for (int row = 0; row < n; row++) {
            int example = order[from + row];
            for (int p = 0; p < pixels; p++) {
                features[row * pixels + p] = (source[example * pixels + p] & 0xFF) / 255f;
            }
            labels[row * data.numClasses() + data.label(example)] = 1f;
        }
        INDArray f = Nd4j.create(features, new long[] {n, pixels}, 'c');
        INDArray l = Nd4j.create(labels, new long[] {n, data.numClasses()}, 'c');
        return new DataSet(f, l);
    }
}
