package io.sparktrain.trainer.config;

import java.util.List;
import java.util.Map;

/**
 * A job's settings, resolved and validated once before Spark starts. Immutable; produced only by
 * {@link ConfigLoader}. Keys, defaults and documentation live in {@link ConfigSchema}.
 */
public record TrainConfig(Run run, Data data, Model model, Training training, Gan gan, Sync sync, Spark spark,
        Retrain retrain) {

    public record Run(String name, String root) {}

    public record Data(String dataset, String sourceDir, String classes, String valGroundTruth, int resize, int crop,
            double maxUnreadableFraction, int augmentShift, double augmentRotation, boolean augmentFlip,
            List<List<Double>> features, List<List<Double>> labels, String file,
            int labelColumns, String cacheDir, String shardDir, int trainExamples, int testExamples,
            long shuffleSeed) {
        public Data {
            features = List.copyOf(features);
            labels = List.copyOf(labels);
        }
    }

    public record Model(String architecture, String stem, int width, List<Integer> hiddenLayers, String activation,
            String outputActivation, String loss, String weightInit, String biasInit, boolean batchNorm,
            double dropout, double maxNorm, long seed, String updater, double learningRate, double learningRateDecay,
            double momentum, double rho, double beta1, double beta2, double l1, double l2, String gradientClipping,
            double gradientClippingThreshold) {
        public Model {
            hiddenLayers = List.copyOf(hiddenLayers);
        }
    }

    public record Training(int epochs, int batchSizePerWorker, int maxBatchesPerEpoch, int reportEveryBatches,
            int roundTimeoutMinutes, int earlyStoppingPatience, double earlyStoppingMinDelta) {}

    /** How a generative adversarial network trains; see {@link ConfigSchema#GAN_SETTINGS}. */
    public record Gan(int noiseSize, int discriminatorSteps, int sampleGrid, String classifier,
            double classifierMinAccuracy, int qualitySamples) {}

    public record Sync(String strategy, int workers, int averagingFrequency, int prefetchBatches,
            boolean averageUpdaterState, int allreduceStepsPerStage, Sharing sharing) {}

    /** Gradient sharing: where the Aeron mesh listens, and how updates are threshold-encoded. */
    public record Sharing(String controllerAddress, String networkMask, String networkInterface, String ports,
            String meshMode, int workersPerNode, int batchesPerFit, int networkTimeoutSeconds,
            String thresholdAlgorithm, double threshold, double minSparsity, double maxSparsity,
            double targetSparsity, double thresholdDecay, double residualClipMultiple, int residualClipEvery,
            int statisticsBatches) {}

    /**
     * {@code conf} holds extra Spark settings passed through to SparkConf as they are;
     * {@code secretFile}, when not empty, the file with the shared secret of an authenticating cluster.
     */
    public record Spark(String master, String appName, Map<String, String> conf, String executorOffheapMemory,
            String containerMemoryLimit, String secretFile) {
        public Spark {
            conf = Map.copyOf(conf);
        }

        /** Settings for a cluster that does not authenticate. */
        public Spark(String master, String appName, Map<String, String> conf, String executorOffheapMemory,
                String containerMemoryLimit) {
            this(master, appName, conf, executorOffheapMemory, containerMemoryLimit, "");
        }

        /** The master Spark will use: spark-submit's ({@code -Dspark.master}) wins over {@code spark.master}. */
        public String effectiveMaster() {
            return System.getProperty("spark.master", master);
        }

        public boolean isLocal() {
            return effectiveMaster().startsWith("local");
        }
    }

    /**
     * Scheduled retraining of a registered model: where the registry is, which model, the gates a
     * challenger must pass ("" for a gate not set), the fine-tuning rate and whether the
     * champion's optimizer state is taken too.
     */
    public record Retrain(String registryRoot, String model, String minAccuracy, String minAccuracyDelta,
            double learningRate, boolean warmStartOptimizer, int leaseSeconds) {}
}
