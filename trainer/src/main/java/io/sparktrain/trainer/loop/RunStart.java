package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.runs.Resume;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a run starts: a new one (of a given id, or named after the config's run), or an existing
 * one after the epoch it continues from. Nothing is written until {@link #begin}, so every check
 * before it leaves the run store as it was.
 */
public record RunStart(RunStore runs, Optional<RunDirectory> existing, int completedEpochs, Optional<String> newId) {
    private static final Logger log = LoggerFactory.getLogger(RunStart.class);

    /** Finds the run to resume below {@code runRoot} and the checkpoint it continues from; for a new run, nothing. */
    public static RunStart locate(Storage storage, URI runRoot, Optional<Resume> resume) throws IOException {
        RunStore runs = new RunStore(storage, runRoot);
        if (resume.isEmpty()) {
            return new RunStart(runs, Optional.empty(), 0, Optional.empty());
        }
        RunDirectory run = runs.open(resume.get().runId());
        List<Integer> epochs = run.checkpointEpochs();
        int from = resume.get().fromEpoch().orElse(epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1));
        if (resume.get().fromEpoch().isPresent() && !epochs.contains(from)) {
            throw new InvalidConfigException("--from-epoch " + from + ": run " + run.id() + " has "
                    + (epochs.isEmpty() ? "no checkpoint" : "checkpoints of epochs " + epochs));
        }
        return new RunStart(runs, Optional.of(run), from, Optional.empty());
    }

    /** The run {@code runId} after its last checkpoint when it exists; else a new run of that id. */
    public static RunStart resumeOrCreate(Storage storage, URI runRoot, String runId) throws IOException {
        RunStore runs = new RunStore(storage, runRoot);
        return runs.exists(runId) ? locate(storage, runRoot, Optional.of(Resume.last(runId)))
                : new RunStart(runs, Optional.empty(), 0, Optional.of(runId));
    }

    /**
     * Creates the new run directory, or sets work after the continued epoch aside; then keeps the
     * resolved config and, for image data, the classes (or checks them against the kept ones).
     */
    public RunDirectory begin(JavaSparkContext sc, TrainingData data, TrainConfig config) throws IOException {
        RunDirectory run = existing.isPresent() ? existing.get()
                : newId.isPresent() ? runs.createWithId(newId.get()) : runs.create(config.run().name());
        if (data.classes().isPresent()) {
            run.keepOrCheckClasses(data.classes().get().toText());
        }
        if (existing.isPresent()) {
            run.continueAfter(completedEpochs);
            run.recordResume(completedEpochs);
        }
        String resolved = ConfigLoader.render(config);
        run.writeConfig(resolved);
        log.info("Run {} in {} ({}), Spark master {}, default parallelism {}", run.id(), Storage.display(run.uri()),
                existing.isPresent() ? "resumed after epoch " + completedEpochs : "new", sc.master(),
                sc.defaultParallelism());
        log.info("Resolved config:\n{}", resolved);
        return run;
    }
}
