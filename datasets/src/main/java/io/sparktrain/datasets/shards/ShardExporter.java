package io.sparktrain.datasets.shards;

import io.sparktrain.datasets.Checksums;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
        URI dir = Storage.resolve(shardRoot, spec.directoryName());
        URI manifestUri = Storage.resolve(dir, ShardManifest.FILE_NAME);
        if (storage.exists(manifestUri)) {
            ShardManifest manifest = ShardManifest.fromJson(storage.readString(manifestUri));
            if (!spec.equals(manifest.spec())) {
                throw new ShardMismatchException(dir, List.of("manifest describes " + manifest.spec()
                        + " but this directory name stands for " + spec));
            }
            ShardSet existing = new ShardSet(dir, manifest);
            existing.verify(sc, storage);
            log.info("Reusing {} shards of {} ({} examples) at {}", manifest.shards().size(), data.name(),
                    manifest.examples(), Storage.display(dir));
            return existing;
        }
        // Shards without a manifest are what an interrupted export left: start that directory afresh.
        if (storage.exists(dir)) {
            storage.delete(dir);
        }
        storage.mkdirs(dir);
        long start = System.nanoTime();
        List<ShardManifest.Shard> shards = writeShards(data, dir, spec);
        ShardManifest manifest = new ShardManifest(ShardManifest.FORMAT, spec, shards);
        storage.writeStringAtomically(manifestUri, manifest.toJson());
        log.info("Exported {} examples of {} into {} shards at {} in {} s", data.count(), data.name(),
                shards.size(), Storage.display(dir), String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return new ShardSet(dir, manifest);
    }

    private List<ShardManifest.Shard> writeShards(LabeledImages data, URI dir, ShardSpec spec) {
        int numShards = (data.count() + spec.batchSize() - 1) / spec.batchSize();
        Broadcast<LabeledImages> images = sc.broadcast(data);
        Broadcast<int[]> order = sc.broadcast(shuffledOrder(data.count(), spec.shuffleSeed()));
        Storage target = storage;
        int batchSize = spec.batchSize();
        List<Integer> shardIds = IntStream.range(0, numShards).boxed().toList();
        int slices = Math.max(1, Math.min(numShards, sc.defaultParallelism() * 4));
        try {
            return new ArrayList<>(sc.parallelize(shardIds, slices)
                    .map(id -> writeShard(target, dir, images.value(), order.value(), id, batchSize))
                    .collect());
        } finally {
            images.destroy();
            order.destroy();
        }
    }

    /** A Fisher-Yates shuffle of 0..count-1 driven by {@code java.util.Random(seed)}: reproducible everywhere. */
    static int[] shuffledOrder(int count, long seed) {
        int[] order = IntStream.range(0, count).toArray();
        Random random = new Random(seed);
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    static String shardFileName(int id) {
        return String.format("shard-%06d.bin", id);
    }

    private static ShardManifest.Shard writeShard(Storage storage, URI dir, LabeledImages data, int[] order,
            int id, int batchSize) throws IOException {
        int from = id * batchSize;
        int to = Math.min(order.length, from + batchSize);
        DataSet batch = toDataSet(data, order, from, to);
        // Serialized in memory first (a batch is a few hundred kB): DataSet.save logs and swallows
        // write errors, and size and digest come for free.
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        batch.save(serialized);
        byte[] bytes = serialized.toByteArray();
        String name = shardFileName(id);
        storage.writeAtomically(Storage.resolve(dir, name), out -> {
            out.write(bytes);
            return null;
        });
        return new ShardManifest.Shard(name, to - from, bytes.length,
                Checksums.sha256(new ByteArrayInputStream(bytes)));
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
