package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.registry.AliasChange;
import io.sparktrain.trainer.registry.Lease;
import io.sparktrain.trainer.registry.LockedException;
import io.sparktrain.trainer.registry.ModelRegistry;
import io.sparktrain.trainer.registry.ModelVersion;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model registry's versions, aliases and lease, on a real HDFS and on the local file system. */
class ModelRegistryTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-03T02:00:00Z"), ZoneOffset.UTC);
    private static final Duration TTL = Duration.ofMinutes(10);

    @TempDir
    Path base;

    @Test
    void versionsAndAliasesOnHdfsAndLocally() throws Exception {
        try (TestHdfs hdfs = new TestHdfs(base.resolve("hdfs"))) {
            versionsAndAliases(new Storage(hdfs.fileSystem().getConf()), hdfs.uri("models"));
        }
        versionsAndAliases(new Storage(new Configuration()), base.resolve("local").toUri());
    }

    private void versionsAndAliases(Storage storage, URI root) throws IOException {
        ModelRegistry registry = new ModelRegistry(storage, root);
        URI checkpoint = Storage.resolve(root, "runs/r/checkpoints/epoch-0001.zip");
        storage.writeStringAtomically(checkpoint, "parameters");
        try (Lease lease = registry.lock("mnist", "test", "r", TTL, NOW)) {
            ModelVersion first = registry.add("mnist", version(checkpoint, true), NOW);
            ModelVersion second = registry.add("mnist", version(checkpoint, false), NOW);
            assertEquals(List.of(1, 2), registry.versions("mnist"));
            assertEquals(second, registry.version("mnist", 2));
            assertEquals(Optional.empty(), registry.alias("mnist", ModelRegistry.CHAMPION));

            registry.setAlias("mnist", ModelRegistry.CHAMPION, first.version(), "first", NOW);
            registry.setAlias("mnist", ModelRegistry.CHAMPION, second.version(), "second", NOW);
            AliasChange back = registry.rollback("mnist", ModelRegistry.CHAMPION, "worse in production", NOW);
            assertEquals(1, back.version());
            assertEquals(2, back.previous());
            assertEquals(List.of(1, 2, 1), registry.aliasHistory("mnist", ModelRegistry.CHAMPION).stream()
                    .map(AliasChange::version).toList());
            assertEquals(first, registry.resolve("mnist@champion"));
            assertEquals(second, registry.resolve("mnist@2"));
        }
        storage.verifyChecksum(registry.checkpointUri("mnist", 1));
        assertEquals("parameters", storage.readString(registry.checkpointUri("mnist", 1)));
        assertTrue(storage.exists(Storage.resolve(registry.versionDir("mnist", 1), "BLESSED")));
        assertTrue(storage.exists(Storage.resolve(registry.versionDir("mnist", 2), "NOT_BLESSED")));
        // What a crash mid-write leaves is hidden and never counts as a version.
        storage.mkdirs(Storage.resolve(registry.directory(), "mnist/versions/.000003.abc.writing"));
        assertEquals(List.of(1, 2), registry.versions("mnist"));
        assertEquals(List.of("mnist"), registry.models());

        assertMessage(() -> registry.resolve("mnist@3"), "model mnist has no version 3; it has [1, 2]");
        assertMessage(() -> registry.resolve("mnist@staging"), "model mnist has no staging");
        assertMessage(() -> registry.resolve("mnist"), "expected MODEL@ALIAS or MODEL@VERSION");
        assertMessage(() -> registry.resolve("MNIST@champion"), "model 'MNIST'");
        assertMessage(() -> registry.setAlias("mnist", ModelRegistry.CHAMPION, 7, "no such version", NOW),
                "has no version 7");
    }

    private static ModelRegistry.NewVersion version(URI checkpoint, boolean blessed) {
        return new ModelRegistry.NewVersion(checkpoint, "model.architecture = lenet\n", Optional.empty(), "r", 1,
                null, "sha256:data", Map.of("accuracy", 0.98), blessed, List.of(blessed ? "accuracy 0.98 >= 0.97"
                        : "accuracy 0.98 - champion's 0.99 < 0"));
    }

    @Test
    void oneOfManyJobsGetsTheLeaseAndAnExpiredOneIsTakenOverExactlyOnce() throws Exception {
        try (TestHdfs hdfs = new TestHdfs(base.resolve("hdfs"))) {
            leases(new ModelRegistry(new Storage(hdfs.fileSystem().getConf()), hdfs.uri("models")));
        }
        leases(new ModelRegistry(new Storage(new Configuration()), base.resolve("local").toUri()));
    }

    private void leases(ModelRegistry registry) throws Exception {
        List<Lease> winners = race(registry, NOW, 6);
        assertEquals(1, winners.size(), "jobs that started at once and got the lease");
        Lease first = winners.get(0);
        LockedException locked = assertThrows(LockedException.class,
                () -> registry.lock("mnist", "another", "r2", TTL, NOW));
        assertTrue(locked.getMessage().contains("held by racer"), locked.getMessage());

        // Its holder died: once it has expired, exactly one of the jobs that find it takes over.
        Clock later = Clock.offset(NOW, TTL.plusMinutes(1));
        List<Lease> takers = race(registry, later, 6);
        assertEquals(1, takers.size(), "jobs that took over the expired lease");
        assertThrows(IOException.class, first::renew, "the dead holder's lease is gone");
        first.close();
        assertThrows(LockedException.class, () -> registry.lock("mnist", "another", "r2", TTL, later),
                "closing the expired lease left the new holder's in place");
        takers.get(0).close();
        registry.lock("mnist", "next", "r3", TTL, later).close();
    }

    /** {@code jobs} threads that take the model's lease at the same moment; returns the leases won. */
    private static List<Lease> race(ModelRegistry registry, Clock clock, int jobs) throws Exception {
        CyclicBarrier start = new CyclicBarrier(jobs);
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        try {
            List<Future<Lease>> attempts = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                String owner = "racer-" + i;
                Callable<Lease> attempt = () -> {
                    start.await();
                    try {
                        return registry.lock("mnist", owner, "r", TTL, clock);
                    } catch (LockedException e) {
                        return null;
                    }
                };
                attempts.add(pool.submit(attempt));
            }
            List<Lease> won = new ArrayList<>();
            for (Future<Lease> attempt : attempts) {
                if (attempt.get() != null) {
                    won.add(attempt.get());
                }
            }
            return won;
        } finally {
            pool.shutdown();
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
