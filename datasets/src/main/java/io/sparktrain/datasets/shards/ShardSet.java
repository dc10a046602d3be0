package io.sparktrain.datasets.shards;

import io.sparktrain.datasets.Checksums;
import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.datasets.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.impl.SerializedDataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.DataSet;

/** An export on storage: its directory and manifest. Training reads its shards by path. */
public record ShardSet(URI directory, ShardManifest manifest) implements Serializable {

    public URI uriOf(ShardManifest.Shard shard) {
        return Storage.resolve(directory, shard.file());
    }

    /** Full URIs of the shards in manifest order. */
    public List<String> paths() {
        List<String> paths = new ArrayList<>(manifest.shards().size());
        for (ShardManifest.Shard shard : manifest.shards()) {
            paths.add(uriOf(shard).toString());
        }
        return paths;
    }

    /** The first {@code n} examples in manifest order (all when there are fewer), read here. */
    public DataSet readFirst(Storage storage, int n) throws IOException {
        List<DataSet> read = new ArrayList<>();
        long count = 0;
        for (String path : paths()) {
            if (count >= n) {
                break;
            }
            DataSet shard = read(storage, path);
            read.add(shard);
            count += shard.numExamples();
        }
        DataSet all = DataSet.merge(read);
        return all.numExamples() > n ? (DataSet) all.getRange(0, n) : all;
    }

    /** Reads one shard written by {@link ShardExporter}. */
    public static DataSet read(Storage storage, String path) throws IOException {
        return read(storage, path, new SerializedDataSetLoader());
    }

    /** The shard at {@code path} as {@code loader} turns it into a minibatch. */
    public static DataSet read(Storage storage, String path, DataSetLoader loader) throws IOException {
        return loader.load(new Source() {
            @Override
            public InputStream getInputStream() throws IOException {
                return storage.open(URI.create(path));
            }

            @Override
            public String getPath() {
                return path;
            }
        });
    }

    /**
     * Checks that every shard exists with its recorded size (on the driver, one listing) and its
     * recorded SHA-256 (in a Spark job, so a large export is read in parallel where it lives).
     */
    public void verify(JavaSparkContext sc, Storage storage) throws IOException {
        FileSystem fs = storage.fileSystem(directory);
        Map<String, Long> sizes = new HashMap<>();
        for (FileStatus status : fs.listStatus(new org.apache.hadoop.fs.Path(directory))) {
            sizes.put(status.getPath().getName(), status.getLen());
        }
        List<String> problems = new ArrayList<>();
        for (ShardManifest.Shard shard : manifest.shards()) {
            Long size = sizes.get(shard.file());
            if (size == null) {
                problems.add(shard.file() + ": missing");
            } else if (size != shard.bytes()) {
                problems.add(shard.file() + ": " + size + " bytes, manifest says " + shard.bytes());
            }
        }
        if (problems.isEmpty()) {
            int slices = Math.max(1, Math.min(manifest.shards().size(), sc.defaultParallelism() * 2));
            URI dir = directory;
            problems = SparkJobs.named(sc, "shard-check", "shard check, " + manifest.spec().dataset(),
                    () -> sc.parallelize(manifest.shards(), slices)
                            .flatMap(shard -> checksumProblems(storage, dir, shard).iterator())
                            .collect());
        }
        if (!problems.isEmpty()) {
            throw new ShardMismatchException(directory, problems);
        }
    }

    private static List<String> checksumProblems(Storage storage, URI dir, ShardManifest.Shard shard)
            throws IOException {
        try (InputStream in = storage.open(Storage.resolve(dir, shard.file()))) {
            String actual = Checksums.sha256(in);
            return actual.equals(shard.sha256()) ? List.of()
                    : List.of(shard.file() + ": SHA-256 " + actual + ", manifest says " + shard.sha256());
        }
    }
}
