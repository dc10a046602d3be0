package io.sparktrain.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.sparktrain.datasets.shards.ShardManifest.Shard;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingLoopTest {
    static List<Shard> shards(int full, int lastSize) {
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < full; i++) {
            shards.add(new Shard("shard-" + i, 64, 100, "x"));
        }
        if (lastSize > 0) {
            shards.add(new Shard("short", lastSize, 50, "y"));
        }
        return shards;
    }

    @Test
    void everyEpochVisitsEveryShardInItsOwnSeededOrderWithTheShortShardLast() {
        List<Shard> shards = shards(20, 17);
        List<Shard> epoch1 = EpochOrder.of(shards, 1, 3, 0);
        List<Shard> epoch2 = EpochOrder.of(shards, 2, 3, 0);
        assertEquals(new HashSet<>(shards), new HashSet<>(epoch1));
        assertEquals(21, epoch1.size());
        assertNotEquals(epoch1, epoch2);
        assertEquals(epoch1, EpochOrder.of(shards, 1, 3, 0));
        assertNotEquals(epoch1, EpochOrder.of(shards, 1, 4, 0));
        assertEquals("short", epoch1.get(20).file());
        assertEquals("short", epoch2.get(20).file());
    }

    @Test
    void maxBatchesCutsTheEpoch() {
        assertEquals(5, EpochOrder.of(shards(20, 0), 1, 3, 5).size());
        assertEquals(20, EpochOrder.of(shards(20, 0), 1, 3, 50).size());
    }

    @Test
    void durationsReadAsAPersonExpects() {
        assertEquals("0m05s", ConsoleProgress.duration(5.2));
        assertEquals("2m01s", ConsoleProgress.duration(121));
        assertEquals("1h01m01s", ConsoleProgress.duration(3661));
        assertEquals("?", ConsoleProgress.duration(Double.NaN));
    }
}
