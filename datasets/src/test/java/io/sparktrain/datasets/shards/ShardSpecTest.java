package io.sparktrain.datasets.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShardSpecTest {
    private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @Test
    void classNamesRoundTripThroughTheManifest() throws IOException {
        ShardSpec spec = new ShardSpec("tiny-train-32px", SHA, 10, 4, 1, new int[] {3, 32, 32}, 2,
                List.of("n01440764", "n02102040"));
        ShardManifest manifest = new ShardManifest(ShardManifest.FORMAT, spec,
                List.of(new ShardManifest.Shard("shard-000000.bin", 4, 100, SHA)));
        ShardManifest back = ShardManifest.fromJson(manifest.toJson());
        assertEquals(manifest, back);
        assertEquals(List.of("n01440764", "n02102040"), back.spec().classes());
        assertNotEquals(spec, new ShardSpec("tiny-train-32px", SHA, 10, 4, 1, new int[] {3, 32, 32}, 2,
                List.of("n02102040", "n01440764")), "another order is another export");
    }

    /** Manifests written before specs named classes must still be read and reused. */
    @Test
    void manifestWithoutClassNamesStillReadsAndMatches() throws IOException {
        ShardSpec spec = new ShardSpec("mnist-train", SHA, 10, 4, 1, new int[] {1, 28, 28}, 10);
        String json = new ShardManifest(ShardManifest.FORMAT, spec, List.of()).toJson();
        assertFalse(json.contains("classes"), json);
        String older = "{\"format\":1,\"spec\":{\"dataset\":\"mnist-train\",\"sourceSha256\":\"" + SHA + "\","
                + "\"examples\":10,\"batchSize\":4,\"shuffleSeed\":1,\"featureShape\":[1,28,28],\"numClasses\":10},"
                + "\"shards\":[]}";
        ShardSpec read = ShardManifest.fromJson(older).spec();
        assertNull(read.classes());
        assertEquals(spec, read);
    }

    @Test
    void classNamesMustMatchTheClassCount() {
        assertThrows(IllegalArgumentException.class, () -> new ShardSpec("x", SHA, 1, 1, 1, new int[] {3, 8, 8}, 3,
                List.of("a", "b")));
    }
}
