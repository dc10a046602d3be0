package io.sparktrain.datasets.imagenet;

import io.sparktrain.datasets.imagenet.ImageDecoder.UnreadableImageException;
import io.sparktrain.datasets.imagenet.ImageExportSettings.PixelFormat;
import io.sparktrain.datasets.shards.ShardDirectory;
import io.sparktrain.datasets.shards.ShardManifest;
import io.sparktrain.datasets.shards.ShardMismatchException;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.shards.ShardSpec;
import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.datasets.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the images of an {@link ImageSplit} on executors into pre-batched shards like
 * {@link io.sparktrain.datasets.shards.ShardExporter}'s: serialized DL4J DataSets of
 * {@code batchSize} examples with features flattened channel-major ({@code [n, 3 * S * S]}, c
 * order: channel, row, column), one-hot labels, and a manifest whose spec names the classes. The
 * driver shuffles the image list once with the seed and gives each task one shard's images; an
 * image a task cannot decode is skipped, named in {@value ExportReport#FILE_NAME} and the log, and
 * its shard holds one example fewer. Above the configured fraction of unreadable images the export
 * fails listing them. An export whose spec matches (same files by path, size and modification
 * time, classes, S, pixel format, batch size and seed) is verified and reused.
 */
public final class ImageNetExporter {
    private static final Logger log = LoggerFactory.getLogger(ImageNetExporter.class);

    private final JavaSparkContext sc;
    private final Storage storage;

    public ImageNetExporter(JavaSparkContext sc, Storage storage) {
        this.sc = sc;
        this.storage = storage;
    }

    /** The spec of exporting {@code split} with {@code settings}; its digest covers every input that shapes the shards. */
    public static ShardSpec specFor(ImageSplit split, ImageExportSettings settings) {
        int size = settings.shortSide();
        String dataset = split.name() + "-" + size + "px" + (settings.pixels() == PixelFormat.FLOAT ? "-float" : "");
        return new ShardSpec(dataset, digest(split, settings), split.images().size(), settings.batchSize(),
                settings.shuffleSeed(), new int[] {3, size, size}, split.classes().size(), split.classes().names());
    }

    /** Exports {@code split} below {@code shardRoot}, or verifies and reuses an export of the same spec. */
    public ImageExport exportOrReuse(ImageSplit split, URI shardRoot, ImageExportSettings settings)
            throws IOException {
        if (split.images().isEmpty()) {
            throw new IOException(split.name() + ": no images to export from " + split.directory());
        }
        ShardSpec spec = specFor(split, settings);
        URI dir = ShardDirectory.of(shardRoot, spec);
        URI reportUri = Storage.resolve(dir, ExportReport.FILE_NAME);
        Optional<ShardSet> existing = ShardDirectory.reuse(sc, storage, dir, spec);
        if (existing.isPresent()) {
            if (!storage.exists(reportUri)) {
                throw new ShardMismatchException(dir, List.of(ExportReport.FILE_NAME + ": missing"));
            }
            ExportReport report = ExportReport.fromJson(storage.readString(reportUri));
            requireReadableEnough(report, settings, reportUri);
            log.info("Reusing {} shards of {} ({} of {} images; {} unreadable) at {}",
                    existing.get().manifest().shards().size(), spec.dataset(), report.exported(), report.listed(),
                    report.unreadable().size(), Storage.display(dir));
            return new ImageExport(existing.get(), split.classes(), report);
        }
        // Shards without a manifest are what an interrupted or failed export left: start afresh.
        ShardDirectory.startAfresh(storage, dir);
        long start = System.nanoTime();
        log.info("Exporting {} images of {} ({} classes) at {}x{} into shards of {} at {}", split.images().size(),
                split.name(), split.classes().size(), settings.shortSide(), settings.shortSide(),
                settings.batchSize(), Storage.display(dir));
        List<ShardOutcome> outcomes = writeShards(split, dir, settings);
        ExportReport report = report(spec, split, outcomes);
        storage.writeStringAtomically(Storage.resolve(dir, ClassList.FILE_NAME), split.classes().toText());
        storage.writeStringAtomically(reportUri, report.toJson());
        logProblems(report, reportUri);
        try {
            requireReadableEnough(report, settings, reportUri);
        } catch (UnreadableImagesException e) {
            // No manifest, so the next run starts afresh; the report and class list stay to be read.
            for (ShardOutcome outcome : outcomes) {
                if (outcome.shard() != null) {
                    storage.delete(Storage.resolve(dir, outcome.shard().file()));
                }
            }
            throw e;
        }
        List<ShardManifest.Shard> shards = outcomes.stream().map(ShardOutcome::shard).filter(Objects::nonNull).toList();
        ShardSet written = ShardDirectory.finish(storage, dir, spec, shards);
        log.info("Exported {} of {} images of {} into {} shards at {} in {} s", report.exported(), report.listed(),
                split.name(), shards.size(), Storage.display(dir),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return new ImageExport(written, split.classes(), report);
    }

    /** One shard's images, in shuffled order. */
    private record ShardTask(int id, List<ImageEntry> images) implements Serializable {}

    /** What a task wrote ({@code shard} is null when none of its images could be decoded) and skipped. */
    private record ShardOutcome(int id, ShardManifest.Shard shard, List<FileProblem> unreadable,
            List<FileProblem> warnings, int[] perClass) implements Serializable {}

    private List<ShardOutcome> writeShards(ImageSplit split, URI dir, ImageExportSettings settings) {
        List<ImageEntry> images = split.images();
        int[] order = ShardDirectory.shuffledOrder(images.size(), settings.shuffleSeed());
        int batchSize = settings.batchSize();
        List<ShardTask> tasks = new ArrayList<>();
        for (int from = 0, id = 0; from < order.length; from += batchSize, id++) {
            List<ImageEntry> batch = new ArrayList<>();
            for (int i = from; i < Math.min(order.length, from + batchSize); i++) {
                batch.add(images.get(order[i]));
            }
            tasks.add(new ShardTask(id, batch));
        }
        Storage target = storage;
        int size = settings.shortSide();
        PixelFormat pixels = settings.pixels();
        int numClasses = split.classes().size();
        int slices = Math.max(1, Math.min(tasks.size(), sc.defaultParallelism() * 4));
        return SparkJobs.named(sc, "shard-export", "shard export, " + split.name(),
                () -> sc.parallelize(tasks, slices)
                        .map(task -> writeShard(target, dir, task, size, pixels, numClasses))
                        .collect().stream().sorted(Comparator.comparingInt(ShardOutcome::id)).toList());
    }

    /** Runs in a task: decodes what it can, never lets one bad file end the task. */
    private static ShardOutcome writeShard(Storage storage, URI dir, ShardTask task, int size, PixelFormat pixels,
            int numClasses) throws IOException {
        int perImage = 3 * size * size;
        int capacity = task.images().size();
        // Each square goes into the batch as soon as it is decoded: one float copy at a time, not 64.
        byte[] bytes = pixels == PixelFormat.UINT8 ? new byte[capacity * perImage] : null;
        float[] floats = pixels == PixelFormat.FLOAT ? new float[capacity * perImage] : null;
        List<Integer> labels = new ArrayList<>();
        List<FileProblem> unreadable = new ArrayList<>();
        List<FileProblem> warnings = new ArrayList<>();
        for (ImageEntry image : task.images()) {
            try {
                ImageDecoder.Square square = ImageDecoder.decodeSquare(read(storage, image), size);
                store(square.chw(), labels.size() * perImage, bytes, floats);
                labels.add(image.label());
                if (!square.warnings().isEmpty()) {
                    warnings.add(new FileProblem(image.file(), String.join("; ", square.warnings())));
                }
            } catch (UnreadableImageException e) {
                unreadable.add(new FileProblem(image.file(), e.getMessage()));
            } catch (IOException | RuntimeException e) {
                unreadable.add(new FileProblem(image.file(), "cannot be read: " + e));
            }
        }
        for (FileProblem problem : unreadable) {
            log.warn("Skipping unreadable image {}: {}", problem.file(), problem.reason());
        }
        int n = labels.size();
        int[] perClass = new int[numClasses];
        if (n == 0) {
            return new ShardOutcome(task.id(), null, unreadable, warnings, perClass);
        }
        long[] shape = {n, perImage};
        INDArray features = bytes != null
                ? Nd4j.create(Nd4j.createBuffer(ByteBuffer.wrap(n == capacity ? bytes : Arrays.copyOf(bytes,
                        n * perImage)), DataType.UINT8, n * perImage), shape)
                : Nd4j.create(n == capacity ? floats : Arrays.copyOf(floats, n * perImage), shape, 'c');
        float[] oneHot = new float[n * numClasses];
        for (int row = 0; row < n; row++) {
            oneHot[row * numClasses + labels.get(row)] = 1f;
            perClass[labels.get(row)]++;
        }
        DataSet batch = new DataSet(features, Nd4j.create(oneHot, new long[] {n, numClasses}, 'c'));
        ShardManifest.Shard shard = ShardDirectory.writeShard(storage, dir, task.id(), batch);
        return new ShardOutcome(task.id(), shard, unreadable, warnings, perClass);
    }

    /** One square's [0, 255] values as rounded bytes or as floats in [0, 1], from {@code offset}. */
    static void store(float[] chw, int offset, byte[] bytes, float[] floats) {
        for (int i = 0; i < chw.length; i++) {
            if (bytes != null) {
                bytes[offset + i] = (byte) Math.min(255, Math.max(0, Math.round(chw[i])));
            } else {
                floats[offset + i] = Math.min(1f, Math.max(0f, chw[i] / 255f));
            }
        }
    }

    private static byte[] read(Storage storage, ImageEntry image) throws IOException {
        try (InputStream in = storage.open(URI.create(image.uri()))) {
            return in.readAllBytes();
        }
    }

    private static ExportReport report(ShardSpec spec, ImageSplit split, List<ShardOutcome> outcomes) {
        List<FileProblem> unreadable = new ArrayList<>();
        List<FileProblem> warnings = new ArrayList<>();
        int[] perClass = new int[split.classes().size()];
        int exported = 0;
        for (ShardOutcome outcome : outcomes) {
            unreadable.addAll(outcome.unreadable());
            warnings.addAll(outcome.warnings());
            for (int c = 0; c < perClass.length; c++) {
                perClass[c] += outcome.perClass()[c];
                exported += outcome.perClass()[c];
            }
        }
        unreadable.sort(Comparator.comparing(FileProblem::file));
        warnings.sort(Comparator.comparing(FileProblem::file));
        return new ExportReport(spec.dataset(), split.directory(), split.labels(), split.images().size(), exported,
                split.classes().names(), Arrays.stream(perClass).boxed().toList(), unreadable, warnings,
                split.notImages(), split.unlabeled(), split.imagesOutsideSelection());
    }

    private static void requireReadableEnough(ExportReport report, ImageExportSettings settings, URI reportUri)
            throws UnreadableImagesException {
        if (report.unreadableFraction() > settings.maxUnreadableFraction()) {
            throw new UnreadableImagesException(report, settings.maxUnreadableFraction(), reportUri);
        }
    }

    private static void logProblems(ExportReport report, URI reportUri) {
        if (!report.unreadable().isEmpty()) {
            log.warn("{}: skipped {} unreadable images of {}: {} (all in {})", report.dataset(),
                    report.unreadable().size(), report.listed(), ImageNetLayout.abbreviate(report.unreadable()),
                    Storage.display(reportUri));
        }
        if (!report.decodedWithWarnings().isEmpty()) {
            log.warn("{}: {} images were exported although their reader warned: {}", report.dataset(),
                    report.decodedWithWarnings().size(), ImageNetLayout.abbreviate(report.decodedWithWarnings()));
        }
    }

    /**
     * SHA-256 of everything that shapes the shards besides batch size and seed: the resampling, S,
     * the pixel format, the classes and each image's file, label, size and modification time.
     */
    static String digest(ImageSplit split, ImageExportSettings settings) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha256)) {
            StringBuilder head = new StringBuilder("sparktrain image export 1\n")
                    .append(ImageDecoder.RESAMPLING).append('\n')
                    .append("short side ").append(settings.shortSide()).append('\n')
                    .append("pixels ").append(settings.pixels()).append('\n')
                    .append("classes ").append(String.join(" ", split.classes().names())).append('\n');
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            for (ImageEntry image : split.images()) {
                out.write((image.file() + '\t' + image.label() + '\t' + image.bytes() + '\t' + image.modifiedMillis()
                        + '\n').getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a digest stream does not fail", e);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
