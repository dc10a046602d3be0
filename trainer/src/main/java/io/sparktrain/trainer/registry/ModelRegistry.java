package io.sparktrain.trainer.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.InvalidConfigException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Trained models by name, on any Hadoop file system, below {@code <root>/registry/<model>/}:
 * <ul>
 *   <li>{@code versions/<NNNNNN>/}: the checkpoint (with its SHA-256), the resolved config, the
 *       classes of an image model, and {@code version.json} ({@link ModelVersion}) with a
 *       {@code BLESSED} or {@code NOT_BLESSED} marker. A version is written under a hidden name
 *       and renamed into place, so a version that exists is complete; none is ever rewritten.</li>
 *   <li>{@code aliases/<alias>/<NNNNNN>.json}: an append-only history ({@link AliasChange}); the
 *       highest-numbered file names the alias's version. Creating that file, which only one writer
 *       can do, is the only step that moves an alias: a crash before it leaves an unreferenced
 *       version, never a half-moved alias. A rollback is one more file.</li>
 *   <li>{@code lock}: the model's {@link Lease}, held while versions or aliases change.</li>
 *   <li>{@code history.jsonl}: every retraining decision, one JSON object per line.</li>
 * </ul>
 * Semantics as MLflow's aliases (a mutable name for a version) and TFX's Pusher (only a blessed
 * version is pushed; no version is overwritten).
 */
public final class ModelRegistry {
    public static final String CHAMPION = "champion";
    public static final String CHECKPOINT = "checkpoint.zip";
    public static final String CONFIG = "config.conf";
    public static final String CLASSES = "classes.txt";
    private static final String VERSION_FILE = "version.json";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Storage storage;
    private final URI dir;

    public ModelRegistry(Storage storage, URI root) {
        this.storage = storage;
        this.dir = Storage.resolve(root, "registry");
    }

    /** What a new version is made of; the registry copies the checkpoint into the version. */
    public record NewVersion(URI checkpoint, String config, Optional<String> classes, String runId, int epoch,
            Integer warmStartedFrom, String dataFingerprint, Map<String, Object> evaluation, boolean blessed,
            List<String> reasons) {}

    /** Refuses names that are not lower-case letters, digits, dots, dashes and underscores. */
    public static String checkName(String kind, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidConfigException(kind + " '" + name + "': expected lower-case letters, digits, '.', '-' "
                    + "or '_', starting with a letter or digit, at most 100 characters");
        }
        return name;
    }

    public URI directory() {
        return dir;
    }

    public List<String> models() throws IOException {
        return storage.list(dir).stream().filter(name -> NAME.matcher(name).matches()).sorted().toList();
    }

    /** The model's versions in place, in order. */
    public List<Integer> versions(String model) throws IOException {
        return numbered(storage.list(Storage.resolve(modelDir(model), "versions")), "");
    }

    public URI versionDir(String model, int version) {
        return Storage.resolve(modelDir(model), String.format("versions/%06d", version));
    }

    public URI checkpointUri(String model, int version) {
        return Storage.resolve(versionDir(model, version), CHECKPOINT);
    }

    public ModelVersion version(String model, int version) throws IOException {
        try {
            return JSON.readValue(storage.readString(Storage.resolve(versionDir(model, version), VERSION_FILE)),
                    ModelVersion.class);
        } catch (FileNotFoundException e) {
            throw new InvalidConfigException("model " + model + " has no version " + version + "; it has "
                    + versions(model));
        }
    }

    /** The version's network, after checking its checkpoint against its SHA-256. */
    public ComputationGraph network(String model, int version) throws IOException {
        URI checkpoint = checkpointUri(model, version);
        storage.verifyChecksum(checkpoint);
        try (InputStream in = storage.open(checkpoint)) {
            return ModelSerializer.restoreComputationGraph(in, true);
        }
    }

    public String config(String model, int version) throws IOException {
        return storage.readString(Storage.resolve(versionDir(model, version), CONFIG));
    }

    public Optional<String> classes(String model, int version) throws IOException {
        URI file = Storage.resolve(versionDir(model, version), CLASSES);
        return storage.exists(file) ? Optional.of(storage.readString(file)) : Optional.empty();
    }

    /** The version an alias names now, if it was ever set. */
    public Optional<AliasChange> alias(String model, String alias) throws IOException {
        List<AliasChange> history = aliasHistory(model, alias);
        return history.isEmpty() ? Optional.empty() : Optional.of(history.get(history.size() - 1));
    }

    /** Every move of an alias, oldest first. */
    public List<AliasChange> aliasHistory(String model, String alias) throws IOException {
        URI aliasDir = aliasDir(model, alias);
        List<AliasChange> history = new ArrayList<>();
        for (int sequence : numbered(storage.list(aliasDir), ".json")) {
            history.add(JSON.readValue(storage.readString(Storage.resolve(aliasDir, String.format("%06d.json",
                    sequence))), AliasChange.class));
        }
        return history;
    }

    /** {@code model@alias} or {@code model@N}: the version it names. */
    public ModelVersion resolve(String reference) throws IOException {
        int at = reference.indexOf('@');
        if (at <= 0 || at == reference.length() - 1) {
            throw new InvalidConfigException("'" + reference + "': expected MODEL@ALIAS or MODEL@VERSION, such as "
                    + "mnist@" + CHAMPION);
        }
        String model = checkName("model", reference.substring(0, at));
        String name = reference.substring(at + 1);
        if (name.chars().allMatch(Character::isDigit)) {
            return version(model, Integer.parseInt(name));
        }
        Optional<AliasChange> alias = alias(model, checkName("alias", name));
        if (alias.isEmpty()) {
            List<Integer> versions = versions(model);
            throw new InvalidConfigException("'" + reference + "': model " + model + " has no " + name
                    + (versions.isEmpty() ? " and no versions" : "; its versions are " + versions));
        }
        return version(model, alias.get().version());
    }

    /** The model's lease, for {@code ttl}; {@link LockedException} when another job holds it. */
    public Lease lock(String model, String owner, String runId, Duration ttl, Clock clock) throws IOException {
        return Lease.acquire(storage, Storage.resolve(modelDir(model), "lock"), owner, runId, ttl, clock);
    }

    /**
     * Adds the next version of {@code model} (the caller holds its lease): every file is written
     * into a hidden directory, which is then renamed into place.
     */
    public ModelVersion add(String model, NewVersion content, Clock clock) throws IOException {
        URI versionsDir = Storage.resolve(modelDir(model), "versions");
        // The caller holds the lease: a hidden directory here is what a writer that died left.
        for (String name : storage.list(versionsDir)) {
            if (name.startsWith(".") && name.endsWith(".writing")) {
                storage.delete(Storage.resolve(versionsDir, name));
            }
        }
        List<Integer> existing = versions(model);
        int number = existing.isEmpty() ? 1 : existing.get(existing.size() - 1) + 1;
        ModelVersion version = new ModelVersion(model, number, content.runId(), content.epoch(),
                content.warmStartedFrom(), content.dataFingerprint(), clock.instant().toString(),
                content.evaluation(), content.blessed(), content.reasons());
        URI writing = Storage.resolve(modelDir(model), "versions/." + String.format("%06d", number) + "."
                + UUID.randomUUID() + ".writing");
        try {
            storage.mkdirs(writing);
            storage.writeWithChecksum(Storage.resolve(writing, CHECKPOINT), out -> {
                try (InputStream in = storage.open(content.checkpoint())) {
                    return in.transferTo(out);
                }
            });
            storage.writeStringAtomically(Storage.resolve(writing, CONFIG), content.config());
            if (content.classes().isPresent()) {
                storage.writeStringAtomically(Storage.resolve(writing, CLASSES), content.classes().get());
            }
            storage.writeStringAtomically(Storage.resolve(writing, VERSION_FILE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(version) + "\n");
            storage.writeStringAtomically(Storage.resolve(writing, content.blessed() ? "BLESSED" : "NOT_BLESSED"),
                    String.join("\n", content.reasons()) + "\n");
            storage.rename(writing, versionDir(model, number));
        } finally {
            if (storage.exists(writing)) {
                storage.delete(writing);
            }
        }
        return version;
    }

    /**
     * Points {@code alias} at {@code version} by creating the alias's next history file (the caller
     * holds the model's lease); fails if another writer created that file first.
     */
    public AliasChange setAlias(String model, String alias, int version, String reason, Clock clock)
            throws IOException {
        if (!versions(model).contains(version)) {
            throw new InvalidConfigException("model " + model + " has no version " + version + "; it has "
                    + versions(model));
        }
        List<AliasChange> history = aliasHistory(model, checkName("alias", alias));
        Integer previous = history.isEmpty() ? null : history.get(history.size() - 1).version();
        AliasChange change = new AliasChange(history.size() + 1, version, previous, reason, clock.instant().toString());
        URI aliasDir = aliasDir(model, alias);
        storage.mkdirs(aliasDir);
        if (!storage.createExclusively(Storage.resolve(aliasDir, String.format("%06d.json", change.sequence())),
                JSON.writeValueAsString(change) + "\n")) {
            throw new IOException("alias " + alias + " of model " + model + " moved while this job moved it; "
                    + "nothing changed here, look at its history");
        }
        return change;
    }

    /** Points {@code alias} back at the version it named before its last move. */
    public AliasChange rollback(String model, String alias, String reason, Clock clock) throws IOException {
        AliasChange current = alias(model, alias).orElseThrow(() -> new InvalidConfigException("model " + model
                + " has no " + alias + " to roll back"));
        if (current.previous() == null) {
            throw new InvalidConfigException(alias + " of model " + model + " has named only version "
                    + current.version() + "; there is nothing to roll back to");
        }
        return setAlias(model, alias, current.previous(), "rollback from version " + current.version() + ": "
                + reason, clock);
    }

    /**
     * Adds one decision to the model's {@code history.jsonl} (the caller holds the model's lease).
     * The file is rewritten whole and replaced in one step, as S3 has no append.
     */
    public void appendHistory(String model, Map<String, Object> decision) throws IOException {
        List<String> lines = new ArrayList<>(history(model));
        lines.add(JSON.writeValueAsString(decision));
        storage.writeStringAtomically(Storage.resolve(modelDir(model), "history.jsonl"), String.join("\n", lines)
                + "\n");
    }

    /** Every decision recorded for the model, oldest first, one JSON object per line. */
    public List<String> history(String model) throws IOException {
        URI file = Storage.resolve(modelDir(model), "history.jsonl");
        return storage.exists(file) ? storage.readString(file).lines().filter(line -> !line.isBlank()).toList()
                : List.of();
    }

    private URI modelDir(String model) {
        return Storage.resolve(dir, checkName("model", model));
    }

    private URI aliasDir(String model, String alias) {
        return Storage.resolve(modelDir(model), "aliases/" + alias);
    }

    /** The numbers of entries named {@code NNNNNN<suffix>}; hidden entries in progress are skipped. */
    private static List<Integer> numbered(List<String> names, String suffix) {
        return names.stream().filter(name -> name.matches("\\d{6}" + Pattern.quote(suffix)))
                .map(name -> Integer.parseInt(name.substring(0, 6))).sorted().toList();
    }
}
