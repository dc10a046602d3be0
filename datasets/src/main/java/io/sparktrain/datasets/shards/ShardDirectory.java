package io.sparktrain.datasets.shards;

import io.sparktrain.datasets.Checksums;
import io.sparktrain.datasets.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The steps every exporter takes with the directory of one export, whatever it exports: reuse a
 * finished export of the same spec after verifying it, or start the directory afresh; write each
 * shard atomically; write the manifest last, so that a directory without one is an unfinished
 * export.
 */
public final class ShardDirectory {
    private ShardDirectory() {}

    /** Where the export of {@code spec} lives below {@code shardRoot}. */
    public static URI of(URI shardRoot, ShardSpec spec) {
        return Storage.resolve(shardRoot, spec.directoryName());
    }

    /**
     * The finished export in {@code dir}, verified against its manifest, or empty if {@code dir}
     * holds no manifest. Fails if the manifest describes another spec or the shards no longer
     * match it.
     */
    public static Optional<ShardSet> reuse(JavaSparkContext sc, Storage storage, URI dir, ShardSpec spec)
            throws IOException {
        URI manifestUri = Storage.resolve(dir, ShardManifest.FILE_NAME);
        if (!storage.exists(manifestUri)) {
            return Optional.empty();
        }
        ShardManifest manifest = ShardManifest.fromJson(storage.readString(manifestUri));
        if (!spec.equals(manifest.spec())) {
            throw new ShardMismatchException(dir, List.of("manifest describes " + manifest.spec()
                    + " but this directory name stands for " + spec));
        }
        ShardSet existing = new ShardSet(dir, manifest);
        existing.verify(sc, storage);
        return Optional.of(existing);
    }

    /** Deletes whatever an interrupted export left in {@code dir} and creates it empty. */
    public static void startAfresh(Storage storage, URI dir) throws IOException {
        if (storage.exists(dir)) {
            storage.delete(dir);
        }
        storage.mkdirs(dir);
    }

    /** Writes the manifest, last: from then on {@code dir} is a finished export that can be reused. */
    public static ShardSet finish(Storage storage, URI dir, ShardSpec spec, List<ShardManifest.Shard> shards)
            throws IOException {
        ShardManifest manifest = new ShardManifest(ShardManifest.FORMAT, spec, List.copyOf(shards));
        storage.writeStringAtomically(Storage.resolve(dir, ShardManifest.FILE_NAME), manifest.toJson());
        return new ShardSet(dir, manifest);
    }

    public static String shardFileName(int id) {
        return String.format("shard-%06d.bin", id);
    }

    /** Writes {@code batch} as shard {@code id} of {@code dir}, atomically, and returns its manifest entry. */
    public static ShardManifest.Shard writeShard(Storage storage, URI dir, int id, DataSet batch) throws IOException {
        // Serialized in memory first (a batch is a few MB at most): DataSet.save logs and swallows
        // write errors, and size and digest come for free.
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        batch.save(serialized);
        byte[] bytes = serialized.toByteArray();
        String name = shardFileName(id);
        storage.writeAtomically(Storage.resolve(dir, name), out -> {
            out.write(bytes);
            return null;
        });
        return new ShardManifest.Shard(name, batch.numExamples(), bytes.length,
                Checksums.sha256(new ByteArrayInputStream(bytes)));
    }

    /** A Fisher-Yates shuffle of 0..count-1 driven by {@code java.util.Random(seed)}: reproducible everywhere. */
    public static int[] shuffledOrder(int count, long seed) {
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
}
