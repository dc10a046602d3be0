package io.sparktrain.trainer.runs;

import io.sparktrain.datasets.storage.Storage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs kept under {@code <root>/runs/<run-id>/} on any Hadoop file system. Resuming a run is
 * opening it again by id.
 */
public final class RunStore {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Storage storage;
    private final URI runsDir;

    public RunStore(Storage storage, URI root) {
        this.storage = storage;
        this.runsDir = Storage.resolve(root, "runs");
    }

    /** A new, empty run directory named {@code <name>-<time>-<random>}. */
    public RunDirectory create(String name) throws IOException {
        return createWithId(String.format("%s-%s-%04x", name, LocalDateTime.now().format(ID_TIME),
                ThreadLocalRandom.current().nextInt(0x10000)));
    }

    /** A new, empty run directory of the given id, which must not exist yet. */
    public RunDirectory createWithId(String id) throws IOException {
        checkId(id);
        RunDirectory run = new RunDirectory(storage, id, Storage.resolve(runsDir, id));
        if (storage.exists(run.uri())) {
            throw new IOException("run directory " + run.uri() + " already exists");
        }
        storage.mkdirs(run.checkpointsDir());
        return run;
    }

    /** An existing run, for resuming. */
    public RunDirectory open(String runId) throws IOException {
        checkId(runId);
        return existing(runId, Storage.resolve(runsDir, runId));
    }

    /** Whether a run of this id exists (has its config). */
    public boolean exists(String runId) throws IOException {
        checkId(runId);
        return storage.exists(new RunDirectory(storage, runId, Storage.resolve(runsDir, runId)).configUri());
    }

    private static void checkId(String runId) {
        if (runId.isBlank() || runId.contains("/") || runId.startsWith(".")) {
            throw new IllegalArgumentException("run id '" + runId + "' is not a run directory name");
        }
    }

    /** An existing run, named by its id in this store or by its directory (a path or URI). */
    public RunDirectory find(String idOrDirectory) throws IOException {
        if (!idOrDirectory.contains("/")) {
            return open(idOrDirectory);
        }
        URI directory = Storage.toUri(idOrDirectory.replaceFirst("/+$", ""));
        String path = directory.getPath();
        return existing(path.substring(path.lastIndexOf('/') + 1), directory);
    }

    private RunDirectory existing(String runId, URI directory) throws IOException {
        RunDirectory run = new RunDirectory(storage, runId, directory);
        if (!storage.exists(run.configUri())) {
            throw new FileNotFoundException("no run '" + runId + "': " + Storage.display(run.configUri())
                    + " does not exist");
        }
        return run;
    }
}
