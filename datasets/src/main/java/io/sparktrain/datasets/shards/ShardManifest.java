package io.sparktrain.datasets.shards;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * What an export wrote: the parameters that produced it and, per shard, its file name, example
 * count, size and SHA-256. Written last, so a directory without one is an unfinished export.
 */
public record ShardManifest(int format, ShardSpec spec, List<Shard> shards) implements Serializable {
    public static final String FILE_NAME = "manifest.json";
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One pre-batched file: a serialized DL4J DataSet of {@code examples} examples. */
    public record Shard(String file, int examples, long bytes, String sha256) implements Serializable {}

    public int examples() {
        return shards.stream().mapToInt(Shard::examples).sum();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("a manifest always serializes", e);
        }
    }

    public static ShardManifest fromJson(String json) throws IOException {
        return JSON.readValue(json, ShardManifest.class);
    }
}
