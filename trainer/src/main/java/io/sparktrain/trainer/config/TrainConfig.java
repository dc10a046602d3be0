package io.sparktrain.trainer.config;

import java.util.Map;

/**
 * A job's settings, resolved and validated once before Spark starts. Immutable; produced only by
 * {@link ConfigLoader}. Keys, defaults and documentation live in {@link ConfigSchema}.
 */
public record TrainConfig(Run run, Data data, Model model, Training training, Sync sync, Spark spark) {

    public record Run(String name, String root) {}

    public record Data(String dataset, String cacheDir, String shardDir, int trainExamples, int testExamples,
            long shuffleSeed) {}

    public record Model(String architecture, long seed, String updater, double learningRate,
            double learningRateDecay, double momentum, double l2) {}

    public record Training(int epochs, int batchSizePerWorker, int maxBatchesPerEpoch, int reportEveryBatches) {}

    public record Sync(String strategy, int workers, int averagingFrequency, int prefetchBatches,
            boolean averageUpdaterState) {}

    /** {@code conf} holds extra Spark settings passed through to SparkConf as they are. */
    public record Spark(String master, String appName, Map<String, String> conf, String executorOffheapMemory,
            String containerMemoryLimit) {
        public Spark {
            conf = Map.copyOf(conf);
        }
    }
}
