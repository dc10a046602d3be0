package io.sparktrain.jobs;

import io.sparktrain.datasets.shards.ShardManifest.Shard;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gan.GanEpoch;
import io.sparktrain.trainer.gan.GanModels;
import io.sparktrain.trainer.gan.GanNetworks;
import io.sparktrain.trainer.gan.GanTraining;
import io.sparktrain.trainer.loop.ConsoleProgress;
import io.sparktrain.trainer.loop.EpochOrder;
import io.sparktrain.trainer.loop.EpochResult;
import io.sparktrain.trainer.loop.JobLocations;
import io.sparktrain.trainer.loop.TrainingData;
import io.sparktrain.trainer.loop.TrainingListener;
import io.sparktrain.trainer.loop.TrainingLoop;
import io.sparktrain.trainer.loop.TrainingSummary;
import io.sparktrain.trainer.report.BenchmarkReport;
import io.sparktrain.trainer.spark.SparkContexts;
import io.sparktrain.trainer.sync.SyncStrategies;
import io.sparktrain.trainer.sync.SyncStrategy;
import io.sparktrain.trainer.sync.allreduce.Allreduce;
import io.sparktrain.trainer.sync.averaging.ParameterAveraging;
import io.sparktrain.trainer.sync.sharing.GradientSharing;
import java.io.IOException;
import java.net.URI;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the same config on the same shards with plain single-machine DL4J in the driver, then
 * with Spark under each synchronization strategy, and prints samples/s, test accuracy and the
 * bytes each worker sent per step; with {@code --peer pytorch}, then the project's PyTorch
 * reference of the same training, and the ratios. A GAN config trains on Spark only (there is no
 * single-machine GAN loop to compare), and its samples are real images. Writes no run directory;
 * the same figures, with a bar chart of samples/s, go to a page in {@code run.root/benchmarks/}.
 */
public final class BenchmarkJob {
    private static final Logger log = LoggerFactory.getLogger(BenchmarkJob.class);
    private static final DateTimeFormatter PAGE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final String SINGLE_MACHINE = "single machine (DL4J)";

    private BenchmarkJob() {}

    /** One line of the benchmark table; {@code secondsToTarget} is NaN where no target was reached or asked. */
    public record Result(String mode, int workers, int epochs, long examples, double seconds, double accuracy,
            double bytesPerStep, double secondsToTarget) {
        double samplesPerSecond() {
            return examples / seconds;
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("benchmark", () -> {
            JobArguments parsed = JobArguments.parse("benchmark", JobKind.TRAIN, args);
            boolean gan = !parsed.help() && !parsed.describeConfig() && parsed.configuresGan();
            JobArguments arguments = gan ? parsed.withJob(JobKind.GAN) : parsed;
            if (gan && arguments.targetAccuracy().isPresent()) {
                throw new InvalidConfigException("--target-accuracy: a GAN has no test accuracy to reach");
            }
            if (arguments.help()) {
                System.out.print(arguments.usage());
            } else if (arguments.describeConfig()) {
                System.out.print(ConfigSchema.markdownReference());
            } else {
                Map<String, TrainConfig> configs = configsByStrategy(arguments);
                TrainConfig config = configs.values().iterator().next();
                Optional<PytorchPeer> peer = arguments.peer().map(name -> PytorchPeer.check(config));
                List<Result> results = gan ? runGan(configs) : run(configs, arguments.targetAccuracy());
                // In local mode gradient sharing trains one replica; DDP gets as many processes as averaging's workers.
                int sparkWorkers = results.stream().mapToInt(Result::workers).max().orElseThrow();
                List<Result> peerResults = peer.isPresent()
                        ? peer.get().run(config, List.of(1, sparkWorkers), arguments.targetAccuracy()) : List.of();
                System.out.print(table(results, peerResults, arguments.targetAccuracy()));
                log.info("Benchmark page: {}", Storage.display(writePage(config, results, peerResults,
                        arguments.targetAccuracy())));
            }
            return ExitCode.OK;
        });
    }

    /** The config as given, once per strategy compared; each is checked before Spark starts. */
    static Map<String, TrainConfig> configsByStrategy(JobArguments arguments) throws IOException {
        Map<String, TrainConfig> configs = new LinkedHashMap<>();
        for (String strategy : List.of(ParameterAveraging.NAME, Allreduce.NAME, GradientSharing.NAME)) {
            configs.put(strategy, arguments.resolveConfig(List.of(ConfigSchema.STRATEGY.key() + "=" + strategy)));
        }
        return configs;
    }

    /**
     * Single-machine DL4J on the first config's shards, then Spark with each config, each timed to
     * {@code target} test accuracy from its start when given.
     */
    public static List<Result> run(Map<String, TrainConfig> configsByStrategy, Optional<Double> target)
            throws IOException {
        TrainConfig config = configsByStrategy.values().iterator().next();
        try (JavaSparkContext sc = SparkContexts.create(config.spark())) {
            List<SyncStrategy> strategies = new ArrayList<>();
            for (TrainConfig strategyConfig : configsByStrategy.values()) {
                strategies.add(SyncStrategies.create(strategyConfig, sc));
            }
            Storage storage = new Storage(sc.hadoopConfiguration());
            TrainingData data = TrainingData.prepare(sc, storage, config, JobLocations.of(config));
            List<Result> results = new ArrayList<>();
            results.add(singleMachine(config, data, storage));
            for (SyncStrategy sync : strategies) {
                results.add(spark(sc, config, sync, data, target));
            }
            return results;
        }
    }

    private static Result singleMachine(TrainConfig config, TrainingData data, Storage storage) throws IOException {
        ComputationGraph network = data.modelSpec(config.model()).newNetwork(config.model().architecture());
        log.info("Single-machine DL4J baseline: {} epochs in this JVM, reported when done",
                config.training().epochs());
        long examples = 0;
        double seconds = 0;
        for (int epoch = 1; epoch <= config.training().epochs(); epoch++) {
            // Read before the clock starts: the baseline measures training, as Spark's workers prefetch.
            List<DataSet> batches = new ArrayList<>();
            DataSetLoader loader = data.loaders().training(epoch);
            for (Shard shard : EpochOrder.of(data.train().manifest().shards(), epoch, config.data().shuffleSeed(),
                    config.training().maxBatchesPerEpoch())) {
                batches.add(ShardSet.read(storage, data.train().uriOf(shard).toString(), loader));
            }
            long start = System.nanoTime();
            for (DataSet batch : batches) {
                network.fit(batch);
                examples += batch.numExamples();
            }
            seconds += (System.nanoTime() - start) / 1e9;
        }
        List<DataSet> test = new ArrayList<>();
        for (String path : data.test().paths()) {
            test.add(ShardSet.read(storage, path, data.loaders().evaluation()));
        }
        Evaluation evaluation = network.evaluate(new ListDataSetIterator<>(test));
        return new Result(SINGLE_MACHINE, 1, config.training().epochs(), examples, seconds,
                evaluation.accuracy(), 0, Double.NaN);
    }

    private static Result spark(JavaSparkContext sc, TrainConfig config, SyncStrategy sync, TrainingData data,
            Optional<Double> target) throws IOException {
        TrainingSummary[] summary = new TrainingSummary[1];
        double[] bytesAndSteps = new double[2];
        double[] secondsToTarget = {Double.NaN};
        long start = System.nanoTime();
        TrainingListener capture = new TrainingListener() {
            @Override
            public void onEpochEnd(EpochResult result, ComputationGraph network) {
                if (target.isPresent() && Double.isNaN(secondsToTarget[0])
                        && result.evaluation().accuracy() >= target.get()) {
                    secondsToTarget[0] = (System.nanoTime() - start) / 1e9;
                }
                if (Double.isFinite(result.traffic().bytesPerStep())) {
                    bytesAndSteps[0] += result.traffic().bytesPerStep() * result.traffic().workerSteps();
                    bytesAndSteps[1] += result.traffic().workerSteps();
                }
            }

            @Override
            public void onTrainingEnd(TrainingSummary s) {
                summary[0] = s;
            }
        };
        ComputationGraph network = data.modelSpec(config.model()).newNetwork(config.model().architecture());
        new TrainingLoop(sc, sync, config.training(), config.data().shuffleSeed(),
                List.of(new ConsoleProgress(), capture)).fit(network, 0, data.train(), data.test(), data.loaders());
        TrainingSummary s = summary[0];
        return new Result("Spark " + sync.name() + " (" + sc.master() + ")", s.workers(), config.training().epochs(),
                s.trainExamples(), s.trainSeconds(), s.finalAccuracy(),
                bytesAndSteps[1] > 0 ? bytesAndSteps[0] / bytesAndSteps[1] : Double.NaN, secondsToTarget[0]);
    }

    /** Spark with each config on the first one's shards: a GAN's rounds under each strategy, from fresh networks. */
    static List<Result> runGan(Map<String, TrainConfig> configsByStrategy) throws IOException {
        TrainConfig first = configsByStrategy.values().iterator().next();
        try (JavaSparkContext sc = SparkContexts.create(first.spark())) {
            TrainingData data = TrainingData.prepare(sc, new Storage(sc.hadoopConfiguration()), first,
                    JobLocations.of(first));
            List<Result> results = new ArrayList<>();
            for (TrainConfig config : configsByStrategy.values()) {
                results.add(ganSpark(sc, config, data));
            }
            return results;
        }
    }

    private static Result ganSpark(JavaSparkContext sc, TrainConfig config, TrainingData data) throws IOException {
        List<GanEpoch> epochs = new ArrayList<>();
        GanNetworks networks = GanModels.newNetworks(GanModels.spec(config.model()), config.gan().noiseSize());
        new GanTraining(sc, config, Optional.empty(), List.of((epoch, trained) -> epochs.add(epoch)))
                .fit(networks, 0, data.train(), data.test());
        long images = epochs.stream().mapToLong(GanEpoch::realExamples).sum();
        double seconds = epochs.stream().mapToDouble(GanEpoch::trainSeconds).sum();
        // Weighted by images: every epoch's figure is per real minibatch.
        double bytesPerStep = epochs.stream().mapToDouble(e -> e.bytesPerStep() * e.realExamples()).sum() / images;
        return new Result("Spark " + config.sync().strategy() + " (" + sc.master() + ")",
                SyncStrategies.barrierWorkers(config.sync(), sc), config.training().epochs(), images, seconds,
                Double.NaN, bytesPerStep, Double.NaN);
    }

    private static final List<String> HEADER = List.of("mode", "workers", "epochs", "examples", "seconds",
            "samples/s", "accuracy", "bytes/step", "to target");

    /**
     * The project's rows, the peer's rows, and the ratios of samples/s (above 1: the project is
     * faster) and of time to target (above 1: the project is slower): single-machine DL4J against
     * the peer's one process, each Spark strategy against the peer's data-parallel run.
     */
    static String table(List<Result> results, List<Result> peer, Optional<Double> target) {
        String columns = "%-50s %7s %6s %10s %10s %12s %9s %15s %10s%n";
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, columns, HEADER.toArray()));
        for (Result r : rows(results, peer)) {
            out.append(String.format(Locale.ROOT, columns, cells(r).toArray()));
        }
        notes(results, peer, target).forEach(line -> out.append(line).append('\n'));
        return out.toString();
    }

    private static List<Result> rows(List<Result> results, List<Result> peer) {
        List<Result> all = new ArrayList<>(results);
        all.addAll(peer);
        return all;
    }

    private static List<String> cells(Result r) {
        return List.of(r.mode(), String.valueOf(r.workers()), String.valueOf(r.epochs()),
                String.valueOf(r.examples()), String.format(Locale.ROOT, "%.1f", r.seconds()),
                String.format(Locale.ROOT, "%.0f", r.samplesPerSecond()),
                Double.isNaN(r.accuracy()) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * r.accuracy()),
                Double.isNaN(r.bytesPerStep()) ? "-" : String.format(Locale.ROOT, "%.0f", r.bytesPerStep()),
                Double.isNaN(r.secondsToTarget()) ? "-" : String.format(Locale.ROOT, "%.1f s", r.secondsToTarget()));
    }

    /** What the columns mean, the ratios against the peer, and the machine. */
    private static List<String> notes(List<Result> results, List<Result> peer, Optional<Double> target) {
        List<String> notes = new ArrayList<>();
        notes.add("bytes/step: bytes each worker sent per minibatch, averaged over the run");
        if (results.stream().allMatch(r -> Double.isNaN(r.accuracy()))) {
            notes.add("a GAN: examples and samples/s count real images, each trained on with as many fakes");
        }
        target.ifPresent(t -> notes.add(String.format(Locale.ROOT,
                "to target: seconds from the start of a mode's training (the peer: of its process) to the end of "
                        + "the first epoch whose test accuracy reached %.2f%%", 100 * t)));
        if (!peer.isEmpty()) {
            notes.add("against the peer (samples/s ratio, above 1 the project is faster; time to target ratio, "
                    + "above 1 the project is slower):");
            for (Result r : results) {
                // The peer's first row is its single process, its last the data-parallel run.
                Result reference = r.mode().equals(SINGLE_MACHINE) ? peer.get(0) : peer.get(peer.size() - 1);
                notes.add(String.format(Locale.ROOT, "  %-50s / %-32s %6.2fx samples/s%s", r.mode(),
                        reference.mode(), r.samplesPerSecond() / reference.samplesPerSecond(),
                        Double.isNaN(r.secondsToTarget()) || Double.isNaN(reference.secondsToTarget()) ? ""
                                : String.format(Locale.ROOT, ", %.2fx time to target",
                                        r.secondsToTarget() / reference.secondsToTarget())));
            }
        }
        notes.add(String.format(Locale.ROOT, "OMP_NUM_THREADS=%s, %d cores", System.getenv("OMP_NUM_THREADS"),
                Runtime.getRuntime().availableProcessors()));
        return notes;
    }

    /** The same table, notes and a bar chart of samples/s as a page in {@code run.root/benchmarks/}. */
    static URI writePage(TrainConfig config, List<Result> results, List<Result> peer, Optional<Double> target)
            throws IOException {
        List<Result> all = rows(results, peer);
        String title = "Benchmark of " + config.run().name() + ", " + LocalDateTime.now().format(PAGE_TIME);
        byte[] html = BenchmarkReport.page(title, config.model().architecture() + " on " + config.data().dataset()
                        + ", " + config.training().epochs() + " epochs, " + Runtime.getRuntime().availableProcessors()
                        + " cores", HEADER, all.stream().map(BenchmarkJob::cells).toList(),
                all.stream().mapToDouble(Result::samplesPerSecond).toArray(),
                notes(results, peer, target).stream().map(line -> line.strip().replaceAll(" {2,}", " ")).toList());
        URI page = Storage.resolve(JobLocations.of(config).runRoot(), "benchmarks/benchmark-"
                + LocalDateTime.now().format(FILE_TIME) + ".html");
        JobArguments.storage().writeAtomically(page, out -> {
            out.write(html);
            return null;
        });
        return page;
    }
}
