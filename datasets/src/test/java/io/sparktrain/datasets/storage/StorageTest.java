package io.sparktrain.datasets.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageTest {
    @TempDir
    Path dir;

    private final Storage storage = new Storage(new Configuration());

    @Test
    void locationsResolveByScheme() {
        URI hdfs = URI.create("hdfs://namenode:8020/user/me");
        assertEquals(URI.create("hdfs://namenode:8020/user/me/runs"), Storage.resolve(hdfs, "runs"));
        assertEquals(URI.create("s3a://bucket/shards"), Storage.resolve(hdfs, "s3a://bucket/shards"));
        assertEquals(Path.of("/data/shards").toUri(), Storage.resolve(hdfs, "/data/shards"));
        assertEquals("file://" + dir + "/my%20runs", Storage.resolve(dir.toUri(), "my runs").toString());
        assertEquals(Storage.resolve(dir.toUri(), "sub"), Storage.resolve(URI.create("file://" + dir), "sub"),
                "the same location has one form, with or without a trailing slash on the base");
        assertEquals("file://" + Path.of("").toAbsolutePath() + "/x", Storage.toUri("x").toString());
    }

    @Test
    void atomicWriteReplacesAndLeavesNoTemporaryFile() throws IOException {
        URI target = dir.resolve("file.txt").toUri();
        storage.writeStringAtomically(target, "one");
        storage.writeStringAtomically(target, "two");
        assertEquals("two", storage.readString(target));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "neither temporary nor .crc files remain");
        }
    }

    @Test
    void failedWriteKeepsTheOldFile() throws IOException {
        URI target = dir.resolve("file.txt").toUri();
        storage.writeStringAtomically(target, "kept");
        assertThrows(IOException.class, () -> storage.writeAtomically(target, out -> {
            out.write("partial".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("kept", storage.readString(target));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }
}
