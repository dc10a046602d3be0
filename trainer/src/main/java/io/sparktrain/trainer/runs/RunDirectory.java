package io.sparktrain.trainer.runs;

import io.sparktrain.datasets.storage.ChecksumMismatchException;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.InvalidConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's files: {@code config.conf} (the resolved config), {@code metrics.jsonl} (one JSON object
 * per epoch), {@code summary.json}, {@code checkpoints/epoch-NNNN.zip} with its SHA-256 in
 * {@code epoch-NNNN.zip.sha256}, for image datasets {@code classes.txt} (the class names in label
 * index order), {@code resumes.jsonl} (when and after which epoch it was resumed),
 * {@code report.html} (the page drawn from all of these), and {@code superseded/} for work a
 * resumed run continued without. Only the driver writes here, and every file is replaced
 * atomically, so a crash leaves each one either old or new.
 */
public final class RunDirectory {
    private static final Pattern CHECKPOINT = Pattern.compile("epoch-(\\d{4,})\\.zip");
    /** Every file of an epoch's checkpoint: the network, further networks, and their checksums. */
    private static final Pattern CHECKPOINT_FILE = Pattern.compile("(?:[a-z]+-)?epoch-(\\d{4,})\\.zip(?:\\.sha256)?");
    private static final DateTimeFormatter SUPERSEDED_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final String RESUMES = "resumes.jsonl";
    private static final Logger log = LoggerFactory.getLogger(RunDirectory.class);

    private final Storage storage;
    private final String id;
    private final URI uri;

    RunDirectory(Storage storage, String id, URI uri) {
        this.storage = storage;
        this.id = id;
        this.uri = uri;
    }

    public String id() {
        return id;
    }

    public URI uri() {
        return uri;
    }

    URI configUri() {
        return Storage.resolve(uri, "config.conf");
    }

    URI checkpointsDir() {
        return Storage.resolve(uri, "checkpoints");
    }

    public URI metricsUri() {
        return Storage.resolve(uri, "metrics.jsonl");
    }

    public URI summaryUri() {
        return Storage.resolve(uri, "summary.json");
    }

    public URI checkpointUri(int epoch) {
        return Storage.resolve(checkpointsDir(), String.format("epoch-%04d.zip", epoch));
    }

    /**
     * A further network of a checkpoint, such as a GAN's discriminator. Written before the
     * checkpoint's main file, so that an epoch counts as checkpointed only with all its parts.
     */
    public URI checkpointUri(int epoch, String part) {
        return Storage.resolve(checkpointsDir(), String.format("%s-epoch-%04d.zip", part, epoch));
    }

    URI classesUri() {
        return Storage.resolve(uri, "classes.txt");
    }

    /**
     * Keeps the class names in label index order the first time, and from then on fails unless
     * {@code classes} are the ones kept: a resumed run must not silently relabel its data.
     *
     * @param classes one name per line, in index order
     */
    public void keepOrCheckClasses(String classes) throws IOException {
        URI file = classesUri();
        if (!storage.exists(file)) {
            storage.writeStringAtomically(file, classes);
        } else if (!storage.readString(file).equals(classes)) {
            throw new InvalidConfigException("the data's classes differ from the ones this run trained on, kept in "
                    + Storage.display(file) + "; the label indices would change meaning. Train a new run, or "
                    + "restore the data and data.classes it had");
        }
    }

    /** The class names an image run kept, one per line in label index order; empty for other runs. */
    public Optional<String> readClasses() throws IOException {
        return storage.exists(classesUri()) ? Optional.of(storage.readString(classesUri())) : Optional.empty();
    }

    public void writeConfig(String hocon) throws IOException {
        storage.writeStringAtomically(configUri(), hocon);
    }

    public String readConfig() throws IOException {
        return storage.readString(configUri());
    }

    /** Saves parameters and updater state after {@code epoch} (1-based). */
    public void writeCheckpoint(int epoch, ComputationGraph network) throws IOException {
        writeNetwork(checkpointUri(epoch), network);
    }

    /** Saves a further network of epoch {@code epoch}'s checkpoint; see {@link #checkpointUri(int, String)}. */
    public void writeCheckpoint(int epoch, String part, ComputationGraph network) throws IOException {
        writeNetwork(checkpointUri(epoch, part), network);
    }

    /** A file of the run, such as a plot, at {@code relativePath}, written whole or not at all. */
    public void writeFile(String relativePath, byte[] content) throws IOException {
        storage.writeAtomically(Storage.resolve(uri, relativePath), out -> {
            out.write(content);
            return null;
        });
    }

    /** A network zip with its SHA-256 beside it, which is in place before the zip appears. */
    private void writeNetwork(URI file, ComputationGraph network) throws IOException {
        storage.writeWithChecksum(file, out -> {
            ModelSerializer.writeModel(network, out, true);
            return null;
        });
    }

    /** The highest epoch with a complete checkpoint; temporary files of an interrupted write are ignored. */
    public Optional<Integer> lastCheckpointEpoch() throws IOException {
        List<Integer> epochs = checkpointEpochs();
        return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.get(epochs.size() - 1));
    }

    public ComputationGraph readCheckpoint(int epoch) throws IOException {
        return readNetwork(checkpointUri(epoch));
    }

    public ComputationGraph readCheckpoint(int epoch, String part) throws IOException {
        return readNetwork(checkpointUri(epoch, part));
    }

    /** Reads a network zip after checking it against its SHA-256; a damaged one names the intact epochs. */
    private ComputationGraph readNetwork(URI file) throws IOException {
        if (storage.exists(Storage.checksumUri(file))) {
            try {
                storage.verifyChecksum(file);
            } catch (ChecksumMismatchException e) {
                throw new ChecksumMismatchException("checkpoint " + e.getMessage() + ". " + earlierEpochsAdvice(file));
            }
        } else if (storage.exists(file)) {
            log.warn("Checkpoint {} has no checksum (written before checksums were kept): not verified",
                    Storage.display(file));
        }
        try (InputStream in = storage.open(file)) {
            return ModelSerializer.restoreComputationGraph(in, true);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read checkpoint " + Storage.display(file) + ": " + e.getMessage() + ". "
                    + earlierEpochsAdvice(file), e);
        }
    }

    private String earlierEpochsAdvice(URI damaged) throws IOException {
        Matcher m = CHECKPOINT_FILE.matcher(new org.apache.hadoop.fs.Path(damaged).getName());
        int epoch = m.matches() ? Integer.parseInt(m.group(1)) : Integer.MAX_VALUE;
        List<Integer> earlier = checkpointEpochs().stream().filter(e -> e < epoch).toList();
        return earlier.isEmpty() ? "The run has no earlier checkpoint; start a new run"
                : "Continue from an earlier checkpoint with --resume " + id + " --from-epoch "
                        + earlier.get(earlier.size() - 1) + " (checkpoints of epochs " + earlier + " remain)";
    }

    /** The epoch of {@code requested} ({@code --epoch}), or of the last checkpoint; refused when there is none. */
    public int chosenCheckpoint(Optional<Integer> requested) throws IOException {
        List<Integer> epochs = checkpointEpochs();
        if (epochs.isEmpty()) {
            throw new InvalidConfigException("run " + id + " has no checkpoint yet");
        }
        int epoch = requested.orElse(epochs.get(epochs.size() - 1));
        if (!epochs.contains(epoch)) {
            throw new InvalidConfigException("--epoch " + epoch + ": run " + id + " has checkpoints of epochs "
                    + epochs);
        }
        return epoch;
    }

    /** The epochs with a complete checkpoint, in order. */
    public List<Integer> checkpointEpochs() throws IOException {
        List<Integer> epochs = new ArrayList<>();
        for (String name : storage.list(checkpointsDir())) {
            Matcher m = CHECKPOINT.matcher(name);
            if (m.matches()) {
                epochs.add(Integer.parseInt(m.group(1)));
            }
        }
        Collections.sort(epochs);
        return epochs;
    }

    /**
     * Makes the run continue after {@code epoch}'s checkpoint: the temporary files of writes a killed
     * driver never finished are removed, and the checkpoints of later epochs and the metric lines
     * after it (work of a branch given up, or a divergence) are moved, not deleted, into
     * {@code superseded/<time>/}, so that nothing recorded is lost and nothing is overwritten.
     */
    public void continueAfter(int epoch) throws IOException {
        for (URI dir : List.of(uri, checkpointsDir(), Storage.resolve(uri, "samples"))) {
            for (String name : storage.list(dir)) {
                if (Storage.isTemporary(name)) {
                    storage.delete(Storage.resolve(dir, name));
                    log.info("Removed {}, left by a write that never finished", name);
                }
            }
        }
        List<String> laterFiles = new ArrayList<>();
        for (String name : storage.list(checkpointsDir())) {
            Matcher m = CHECKPOINT_FILE.matcher(name);
            if (m.matches() && Integer.parseInt(m.group(1)) > epoch) {
                laterFiles.add(name);
            }
        }
        List<String> laterLines = new ArrayList<>();
        List<String> keptLines = new ArrayList<>();
        if (storage.exists(metricsUri())) {
            for (String line : storage.readString(metricsUri()).split("\n")) {
                if (!line.isBlank()) {
                    (MetricsLine.epochOf(line) > epoch ? laterLines : keptLines).add(line);
                }
            }
        }
        if (laterFiles.isEmpty() && laterLines.isEmpty()) {
            return;
        }
        URI aside = Storage.resolve(uri, "superseded/" + LocalDateTime.now().format(SUPERSEDED_TIME) + "-after-epoch-"
                + epoch);
        storage.mkdirs(Storage.resolve(aside, "checkpoints"));
        if (!laterLines.isEmpty()) {
            // The lines are safe aside before they leave the metrics file.
            storage.writeStringAtomically(Storage.resolve(aside, "metrics.jsonl"), String.join("\n", laterLines)
                    + "\n");
            writeMetrics(keptLines);
        }
        for (String name : laterFiles) {
            storage.rename(Storage.resolve(checkpointsDir(), name), Storage.resolve(aside, "checkpoints/" + name));
        }
        log.info("Run {} continues after epoch {}: {} checkpoint files and {} metric lines of later work moved to {}",
                id, epoch, laterFiles.size(), laterLines.size(), Storage.display(aside));
    }

    /** The test accuracy of epochs 1 .. {@code lastEpoch}, in order, from the metrics file. */
    public List<Double> testAccuracies(int lastEpoch) throws IOException {
        return figures("test_accuracy", lastEpoch);
    }

    /** The mean training loss of epochs 1 .. {@code lastEpoch}, in order, from the metrics file. */
    public List<Double> trainLosses(int lastEpoch) throws IOException {
        return figures("train_loss", lastEpoch);
    }

    private List<Double> figures(String field, int lastEpoch) throws IOException {
        List<Double> figures = new ArrayList<>();
        for (String line : metricLines(lastEpoch)) {
            figures.add(MetricsLine.numberOf(line, field));
        }
        return figures;
    }

    /** Metric lines for epochs up to {@code lastEpoch}, in order; later ones belong to work not checkpointed. */
    public List<String> metricLines(int lastEpoch) throws IOException {
        List<String> kept = new ArrayList<>();
        if (!storage.exists(metricsUri())) {
            return kept;
        }
        for (String line : storage.readString(metricsUri()).split("\n")) {
            if (!line.isBlank() && MetricsLine.epochOf(line) <= lastEpoch) {
                kept.add(line);
            }
        }
        return kept;
    }

    /**
     * Rewrites the metrics file with {@code lines}. Rewriting instead of appending works on every
     * file system (S3 has no append) and never leaves a half-written line.
     */
    public void writeMetrics(List<String> lines) throws IOException {
        storage.writeStringAtomically(metricsUri(), String.join("\n", lines) + "\n");
    }

    public void writeSummary(String json) throws IOException {
        storage.writeStringAtomically(summaryUri(), json);
    }

    public Optional<String> readSummary() throws IOException {
        return storage.exists(summaryUri()) ? Optional.of(storage.readString(summaryUri())) : Optional.empty();
    }

    /** A GAN's grid of samples of epoch {@code epoch}, relative to the run directory. */
    public static String samplesFile(int epoch) {
        return String.format("samples/epoch-%04d.png", epoch);
    }

    public URI reportUri() {
        return Storage.resolve(uri, "report.html");
    }

    /** A file of the run, such as a sample grid, if it exists. */
    public Optional<byte[]> readFile(String relativePath) throws IOException {
        URI file = Storage.resolve(uri, relativePath);
        if (!storage.exists(file)) {
            return Optional.empty();
        }
        try (InputStream in = storage.open(file)) {
            return Optional.of(in.readAllBytes());
        }
    }

    /** Notes in {@code resumes.jsonl} that the run was resumed after {@code epoch}, for its report. */
    public void recordResume(int epoch) throws IOException {
        List<String> lines = new ArrayList<>(resumes());
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("after_epoch", epoch);
        line.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        lines.add(MetricsLine.toJson(line));
        storage.writeStringAtomically(Storage.resolve(uri, RESUMES), String.join("\n", lines) + "\n");
    }

    /** The lines of {@code resumes.jsonl}, one per resume in order; empty for a run never resumed. */
    public List<String> resumes() throws IOException {
        URI file = Storage.resolve(uri, RESUMES);
        return storage.exists(file) ? storage.readString(file).lines().filter(line -> !line.isBlank()).toList()
                : List.of();
    }
}
