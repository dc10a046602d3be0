package io.sparktrain.jobs;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.loop.JobLocations;
import io.sparktrain.trainer.loop.RunStart;
import io.sparktrain.trainer.loop.TrainedRun;
import io.sparktrain.trainer.loop.Trainer;
import io.sparktrain.trainer.loop.TrainingData;
import io.sparktrain.trainer.loop.WarmStart;
import io.sparktrain.trainer.registry.AliasChange;
import io.sparktrain.trainer.registry.Gates;
import io.sparktrain.trainer.registry.Lease;
import io.sparktrain.trainer.registry.LockedException;
import io.sparktrain.trainer.registry.ModelRegistry;
import io.sparktrain.trainer.registry.ModelVersion;
import io.sparktrain.trainer.spark.SparkContexts;
import io.sparktrain.trainer.sync.SyncStrategies;
import io.sparktrain.trainer.sync.SyncStrategy;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retrains a registered model on a new snapshot of its data, as a scheduler runs it every night:
 * takes the model's lock, warm-starts from the champion (or trains from scratch without one),
 * trains on the snapshot into a run named after the model and the snapshot (a rerun after a crash
 * resumes it), evaluates challenger and champion on the same holdout, judges the challenger by
 * the config's gates, adds it as a version, and makes it the champion only if it was blessed.
 * Exit codes: {@link ExitCode}: 0 promoted, 9 not promoted (also a snapshot already trained on),
 * 8 locked.
 */
public final class RetrainJob {
    static final String SYNOPSIS =
            "usage: retrain --config FILE --data DIR [--set KEY=VALUE ...] [--force] [--wait MINUTES]";
    /** The files of a snapshot, named as MNIST names its training files. */
    static final String IMAGES = "train-images-idx3-ubyte";
    static final String LABELS = "train-labels-idx1-ubyte";
    private static final Option CONFIG = Option.single("--config", "FILE",
            "the retraining config: the network and training as for submit/train, registry.* and retrain.*");
    private static final Option DATA = Option.single("--data", "DIR",
            "the snapshot to train on: a directory (path or URI) holding " + IMAGES + " and " + LABELS);
    private static final Option SET = Option.repeatable("--set", "KEY=VALUE", "overrides a config key");
    private static final Option FORCE = Option.flag("--force",
            "train even if this snapshot was trained on before (a new run beside the old one)");
    private static final Option WAIT = Option.single("--wait", "MINUTES",
            "when another job holds the model's lock, try again every 10 seconds for up to this long\n"
                    + "before giving up with exit code 8 (default: give up at once)");
    private static final List<Option> OPTIONS = List.of(CONFIG, DATA, SET, FORCE, WAIT);
    private static final Duration RETRY = Duration.ofSeconds(10);
    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final Logger log = LoggerFactory.getLogger(RetrainJob.class);

    private RetrainJob() {}

    record Request(Path config, String data, List<String> overrides, boolean force, Duration lockWait) {
        static Optional<Request> parse(String... args) {
            CommandLine line = CommandLine.parse(SYNOPSIS, OPTIONS, args);
            if (line.has(CommandLine.HELP.name())) {
                System.out.print(line.usage());
                return Optional.empty();
            }
            if (!line.has(CONFIG.name()) || !line.has(DATA.name())) {
                throw line.problem("--config and --data are required");
            }
            return Optional.of(new Request(Path.of(line.value(CONFIG.name()).orElseThrow()),
                    line.value(DATA.name()).orElseThrow(), line.values(SET.name()), line.has(FORCE.name()),
                    Duration.ofMinutes(line.number(WAIT.name(), 0, 100_000).orElse(0L))));
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("retrain", () -> {
            Optional<Request> parsed = Request.parse(args);
            if (parsed.isEmpty()) {
                return ExitCode.OK;
            }
            Request request = parsed.get();
            TrainConfig config = ConfigLoader.load(request.config(), request.overrides(), JobKind.RETRAIN);
            return run(config, request.data(), request.force(), request.lockWait(), Clock.systemUTC())
                    ? ExitCode.OK : ExitCode.NOT_PROMOTED;
        });
    }

    /** A snapshot's images and the fingerprint of their content. */
    record Snapshot(String location, LabeledImages images, String fingerprint) {
        /** Reads the snapshot at {@code location}; one on HDFS or another file system is copied here first. */
        static Snapshot read(Storage storage, String location, int numClasses) throws IOException {
            URI dir = Storage.toUri(location);
            for (String file : List.of(IMAGES, LABELS)) {
                if (!storage.exists(Storage.resolve(dir, file))) {
                    throw new FileNotFoundException("--data " + location + " has no " + file + "; a snapshot "
                            + "holds " + IMAGES + " and " + LABELS + " in MNIST's IDX format");
                }
            }
            if ("file".equals(dir.getScheme())) {
                return of(location, Path.of(dir), numClasses);
            }
            Path copy = Files.createTempDirectory("sparktrain-snapshot");
            try {
                for (String file : List.of(IMAGES, LABELS)) {
                    try (InputStream in = storage.open(Storage.resolve(dir, file))) {
                        Files.copy(in, copy.resolve(file));
                    }
                }
                return of(location, copy, numClasses);
            } finally {
                for (String file : List.of(IMAGES, LABELS)) {
                    Files.deleteIfExists(copy.resolve(file));
                }
                Files.delete(copy);
            }
        }

        private static Snapshot of(String location, Path dir, int numClasses) throws IOException {
            LabeledImages images = LabeledImages.fromIdx("snapshot", dir.resolve(IMAGES), dir.resolve(LABELS),
                    numClasses);
            return new Snapshot(location, images, ShardExporter.specFor(images, 1, 0).sourceSha256());
        }
    }

    /**
     * Retrains as {@code config} says on the snapshot in {@code dataDir}, waiting up to {@code wait}
     * for the model's lock; returns whether it promoted.
     */
    static boolean run(TrainConfig config, String dataDir, boolean force, Duration wait, Clock clock)
            throws IOException, InterruptedException {
        String model = config.retrain().model();
        JobLocations locations = JobLocations.of(config);
        // The snapshot and the holdout are read and checked before the lock and before Spark.
        LabeledImages holdout = Datasets.load(config.data().dataset(), locations.cacheDir(), locations.sourceDir())
                .test().first(config.data().testExamples());
        Storage storage = JobArguments.storage();
        Snapshot snapshot = Snapshot.read(storage, dataDir, holdout.numClasses());
        ModelRegistry registry = new ModelRegistry(storage, Storage.toUri(config.retrain().registryRoot()));
        String runId = model + "-" + snapshot.fingerprint().substring(0, 12);
        Duration ttl = Duration.ofSeconds(config.retrain().leaseSeconds());
        try (Lease lease = lock(registry, model, runId, ttl, wait, clock);
                Heartbeat heartbeat = new Heartbeat(lease, ttl.dividedBy(3))) {
            Optional<ModelVersion> trainedBefore = finished(registry, model, snapshot.fingerprint());
            if (trainedBefore.isPresent() && !force) {
                log.info("Snapshot {} ({}) was trained on before: {}; nothing to do (--force trains again)",
                        dataDir, snapshot.fingerprint(), trainedBefore.get().reference());
                record(registry, model, clock, "skipped", snapshot, Optional.of(trainedBefore.get()),
                        List.of("snapshot already trained on as " + trainedBefore.get().reference()));
                return false;
            }
            if (force && trainedBefore.isPresent()) {
                runId += "-" + LocalDateTime.now(clock).format(RUN_TIME);
            }
            Optional<AliasChange> champion = registry.alias(model, ModelRegistry.CHAMPION);
            Optional<ComputationGraph> championNetwork = champion.isPresent()
                    ? Optional.of(registry.network(model, champion.get().version())) : Optional.empty();
            TrainConfig training = fineTuning(config, champion.isPresent());
            try (JavaSparkContext sc = SparkContexts.create(training.spark())) {
                SyncStrategy sync = SyncStrategies.create(training, sc);
                TrainingData data = exportShards(sc, storage, training, locations, snapshot, holdout);
                RunStart start = RunStart.resumeOrCreate(storage, locations.runRoot(), runId);
                log.info("Retraining {} on {} in run {}: {}", model, dataDir, runId, champion.isPresent()
                        ? "warm start from " + model + "@" + champion.get().version() : "no champion, from scratch");
                Optional<WarmStart> warmStart = start.completedEpochs() > 0 ? Optional.empty()
                        : championNetwork.map(net -> new WarmStart(net, config.retrain().warmStartOptimizer()));
                TrainedRun trained = Trainer.fit(sc, training, sync, data, start, warmStart);
                heartbeat.requireHeld();
                double accuracy = accuracy(trained.network(), data.test(), storage);
                OptionalDouble championAccuracy = championNetwork.isPresent()
                        ? OptionalDouble.of(accuracy(championNetwork.get(), data.test(), storage))
                        : OptionalDouble.empty();
                Gates.Decision decision = Gates.of(config.retrain()).judge(accuracy, championAccuracy);
                Map<String, Object> evaluation = new LinkedHashMap<>();
                evaluation.put("accuracy", accuracy);
                championAccuracy.ifPresent(value -> evaluation.put("champion_accuracy", value));
                evaluation.put("holdout", config.data().dataset() + " test, " + holdout.count() + " images");
                ModelVersion version = versionOf(registry, model, trained, runId).orElse(null);
                if (version == null) {
                    version = registry.add(model, new ModelRegistry.NewVersion(
                            trained.run().checkpointUri(trained.epochs()), trained.run().readConfig(),
                            Optional.empty(), runId, trained.epochs(),
                            champion.map(AliasChange::version).orElse(null), snapshot.fingerprint(), evaluation,
                            decision.blessed(), decision.reasons()), clock);
                }
                if (decision.blessed()) {
                    registry.setAlias(model, ModelRegistry.CHAMPION, version.version(), "retrained on " + dataDir
                            + ": " + String.join("; ", decision.reasons()), clock);
                }
                record(registry, model, clock, decision.blessed() ? "promoted" : "not promoted", snapshot,
                        Optional.of(version), decision.reasons());
                log.info("{}: {} {} ({})", model, version.reference(), decision.blessed() ? "is the new champion"
                        : "is not promoted", String.join("; ", decision.reasons()));
                return decision.blessed();
            }
        }
    }

    private static Lease lock(ModelRegistry registry, String model, String runId, Duration ttl, Duration wait,
            Clock clock) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return registry.lock(model, "submit/retrain " + System.getProperty("user.name"), runId, ttl, clock);
            } catch (LockedException locked) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw locked;
                }
                log.info("{}; trying again in {} s", locked.getMessage(), RETRY.toSeconds());
                Thread.sleep(Math.min(RETRY.toMillis(), left / 1_000_000 + 1));
            }
        }
    }

    /** With a champion to start from, {@code retrain.learning-rate} (when set) replaces the model's. */
    private static TrainConfig fineTuning(TrainConfig config, boolean warmStart) {
        if (!warmStart || config.retrain().learningRate() == 0) {
            return config;
        }
        return ConfigLoader.parse(ConfigLoader.render(config), "the retraining config", List.of(
                ConfigSchema.LEARNING_RATE.key() + "=" + config.retrain().learningRate()), JobKind.RETRAIN);
    }

    private static TrainingData exportShards(JavaSparkContext sc, Storage storage, TrainConfig config,
            JobLocations locations, Snapshot snapshot, LabeledImages holdout) throws IOException {
        ShardExporter exporter = new ShardExporter(sc, storage);
        int batch = config.training().batchSizePerWorker();
        long seed = config.data().shuffleSeed();
        LabeledImages train = snapshot.images();
        return new TrainingData(exporter.exportOrReuse(train, locations.shardRoot(), batch, seed),
                exporter.exportOrReuse(holdout, locations.shardRoot(), batch, seed), ShardLoaders.asStored(), 1,
                train.rows(), train.cols(), holdout.numClasses(), Optional.empty());
    }

    /** Challenger and champion are judged alike: on the driver, over the holdout's shards. */
    private static double accuracy(ComputationGraph network, ShardSet holdout, Storage storage) throws IOException {
        List<DataSet> batches = new ArrayList<>();
        for (String path : holdout.paths()) {
            batches.add(ShardSet.read(storage, path));
        }
        return network.evaluate(new ListDataSetIterator<>(batches)).accuracy();
    }

    /**
     * The version a finished retraining on this snapshot left: added, and either not blessed or
     * made champion at some point. A version blessed but never promoted (a crash between the two)
     * is not finished: the rerun promotes it.
     */
    private static Optional<ModelVersion> finished(ModelRegistry registry, String model, String fingerprint)
            throws IOException {
        List<Integer> champions = registry.aliasHistory(model, ModelRegistry.CHAMPION).stream()
                .map(AliasChange::version).toList();
        for (int number : registry.versions(model)) {
            ModelVersion version = registry.version(model, number);
            if (version.dataFingerprint().equals(fingerprint) && (!version.blessed() || champions.contains(number))) {
                return Optional.of(version);
            }
        }
        return Optional.empty();
    }

    /** The version this run's checkpoint already became, when a crash came after adding it. */
    private static Optional<ModelVersion> versionOf(ModelRegistry registry, String model, TrainedRun trained,
            String runId) throws IOException {
        for (int number : registry.versions(model)) {
            ModelVersion version = registry.version(model, number);
            if (version.runId().equals(runId) && version.epoch() == trained.epochs()) {
                return Optional.of(version);
            }
        }
        return Optional.empty();
    }

    private static void record(ModelRegistry registry, String model, Clock clock, String decision, Snapshot snapshot,
            Optional<ModelVersion> version, List<String> reasons) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("at", clock.instant().toString());
        line.put("decision", decision);
        line.put("snapshot", snapshot.location());
        line.put("data_fingerprint", snapshot.fingerprint());
        version.ifPresent(v -> line.put("version", v.version()));
        version.ifPresent(v -> line.put("evaluation", v.evaluation()));
        line.put("reasons", reasons);
        registry.appendHistory(model, line);
    }

    /** Renews the lease while the job works; a renewal that fails stops the job before it changes the registry. */
    private static final class Heartbeat implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "lease-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        private final AtomicReference<IOException> failure = new AtomicReference<>();

        Heartbeat(Lease lease, Duration every) {
            timer.scheduleAtFixedRate(() -> {
                try {
                    lease.renew();
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                    log.error("Cannot renew the model's lease: {}", e.getMessage());
                }
            }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }

        void requireHeld() throws IOException {
            if (failure.get() != null) {
                throw new IOException("the model's lease was lost while training; the registry is left as it was",
                        failure.get());
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
