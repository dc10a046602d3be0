package io.sparktrain.trainer.runs;

import io.sparktrain.datasets.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * One run's files: {@code config.conf} (the resolved config), {@code metrics.jsonl} (one JSON object
 * per epoch), {@code summary.json}, {@code checkpoints/epoch-NNNN.zip} and, for image datasets,
 * {@code classes.txt} (the class names in label index order). Only the driver writes
 * here, and every file is replaced atomically, so a crash leaves each one either old or new.
 */
public final class RunDirectory {
    private static final Pattern CHECKPOINT = Pattern.compile("epoch-(\\d{4,})\\.zip");

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
            throw new IllegalStateException("the data's classes differ from the ones this run trained on, kept in "
                    + Storage.display(file) + "; the label indices would change meaning. Train a new run, or "
                    + "restore the data and data.classes it had");
        }
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

    private void writeNetwork(URI file, ComputationGraph network) throws IOException {
        storage.writeAtomically(file, out -> {
            ModelSerializer.writeModel(network, out, true);
            return null;
        });
    }

    /** The highest epoch with a complete checkpoint; temporary files of an interrupted write are ignored. */
    public Optional<Integer> lastCheckpointEpoch() throws IOException {
        int last = -1;
        for (String name : storage.list(checkpointsDir())) {
            Matcher m = CHECKPOINT.matcher(name);
            if (m.matches()) {
                last = Math.max(last, Integer.parseInt(m.group(1)));
            }
        }
        return last < 0 ? Optional.empty() : Optional.of(last);
    }

    public ComputationGraph readCheckpoint(int epoch) throws IOException {
        return readNetwork(checkpointUri(epoch));
    }

    public ComputationGraph readCheckpoint(int epoch, String part) throws IOException {
        return readNetwork(checkpointUri(epoch, part));
    }

    private ComputationGraph readNetwork(URI file) throws IOException {
        try (InputStream in = storage.open(file)) {
            return ModelSerializer.restoreComputationGraph(in, true);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
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
}
