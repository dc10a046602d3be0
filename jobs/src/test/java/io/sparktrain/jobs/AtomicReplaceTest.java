package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.datasets.storage.Storage.WriteStep;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing a file, such as {@code metrics.jsonl} with a run's whole history, on the real HDFS of
 * MiniDFSCluster and on the local file system: a crash at any step of the write leaves the old
 * content or the new, never neither and never part of one; and so does every moment in between.
 */
class AtomicReplaceTest {
    private static final String OLD = "epoch 1\n";
    private static final String NEW = "epoch 1\nepoch 2\n";
    private static final Storage.Writer<Void> NEW_CONTENT = out -> {
        out.write(NEW.getBytes(StandardCharsets.UTF_8));
        return null;
    };

    @TempDir
    Path base;

    /** What a crash does to the writing thread: no cleanup runs, no exception handler sees it. */
    private static final class SimulatedCrash extends Error {
        SimulatedCrash(WriteStep step) {
            super("crash at " + step);
        }
    }

    @Test
    void aCrashAtEveryStepLeavesTheOldOrTheNewFileOnHdfsAndLocally() throws IOException {
        Configuration conf = new Configuration();
        try (TestHdfs hdfs = new TestHdfs(base.resolve("hdfs"))) {
            Storage storage = new Storage(hdfs.fileSystem().getConf());
            crashAtEveryStep(storage, hdfs.uri("runs/r"));
        }
        crashAtEveryStep(new Storage(conf), base.resolve("local").toUri());
    }

    private static void crashAtEveryStep(Storage storage, URI dir) throws IOException {
        URI target = Storage.resolve(dir, "metrics.jsonl");
        for (WriteStep crashAt : WriteStep.values()) {
            storage.writeStringAtomically(target, OLD);
            List<String> seen = new ArrayList<>();
            Storage crashing = storage.observedBy((step, file) -> {
                // At every step, a reader of the file sees one version whole.
                String content = read(storage, file);
                seen.add(step + ": " + (content.equals(OLD) ? "old" : content.equals(NEW) ? "new" : content));
                if (step == crashAt) {
                    throw new SimulatedCrash(step);
                }
            });
            assertThrows(SimulatedCrash.class, () -> crashing.writeStringAtomically(target, NEW));
            String after = read(storage, target);
            assertEquals(crashAt == WriteStep.REPLACED ? NEW : OLD, after, "after a crash at " + crashAt);
            for (String moment : seen) {
                assertTrue(moment.endsWith(": old") || moment.endsWith(": new"), target + " " + seen);
            }
        }
        // The checksummed form, as checkpoints use it: the checksum is in place before the file.
        URI checkpoint = Storage.resolve(dir, "epoch-0001.zip");
        for (WriteStep crashAt : Set.of(WriteStep.TEMPORARY_WRITTEN, WriteStep.TEMPORARY_CLOSED)) {
            Storage crashing = storage.observedBy((step, file) -> {
                if (step == crashAt && file.equals(checkpoint)) {
                    throw new SimulatedCrash(step);
                }
            });
            assertThrows(SimulatedCrash.class, () -> crashing.writeWithChecksum(checkpoint, NEW_CONTENT));
            assertTrue(!storage.exists(checkpoint), "no checkpoint appears before it is complete");
        }
        storage.writeWithChecksum(checkpoint, NEW_CONTENT);
        storage.verifyChecksum(checkpoint);
    }

    private static String read(Storage storage, URI file) {
        try {
            return storage.readString(file);
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
