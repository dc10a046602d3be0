package io.sparktrain.trainer.config;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.imagenet.ClassSubsets;
import io.sparktrain.datasets.mnist.FashionMnist;
import java.util.List;
import java.util.stream.Stream;

/** Every setting a training job accepts, with its default and documentation. */
public final class ConfigSchema {
    private ConfigSchema() {}

    /** Spark settings under this key are passed to SparkConf unchanged. */
    public static final String SPARK_CONF = "spark.conf";

    private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]*";

    public static final Param<String> RUN_NAME = Param.pattern("run.name", "mnist-lenet", NAME_PATTERN,
            "letters, digits, '.', '_' and '-'", "Prefix of the run id.", c -> c.run().name());
    public static final Param<String> RUN_ROOT = Param.text("run.root", ".",
            "Directory or URI (`file://`, `hdfs://`, `s3a://`) under which `runs/<run-id>/` is created.",
            c -> c.run().root());

    public static final Param<String> DATASET = Param.choice("data.dataset", "mnist", Datasets.NAMES,
            "Dataset to train and evaluate on. The tables (inline, csv, quadratic: y = x^2 + 3 + noise for x in "
                    + "[-15, 15]; separable: two linearly separable classes in the plane) train in one JVM "
                    + "(sync.strategy = single-machine) and are evaluated on their own rows.",
            c -> c.data().dataset());
    public static final Param<String> SOURCE_DIR = Param.pattern(Datasets.SOURCE_SETTING, "", ".*",
            "a local directory, or \"\"", "Local directory with the dataset's original files, for datasets that are "
                    + "not fetched: for imagenet the root holding train/ and val/ (required); for fashion-mnist its "
                    + "four IDX files (gzipped or not), by default " + FashionMnist.DEBIAN_DIR
                    + " (Debian's dataset-fashion-mnist). Must be empty for mnist.",
            c -> c.data().sourceDir());
    public static final Param<String> CLASSES = Param.pattern("data.classes", "", ".*",
            "\"\", " + String.join(", ", ClassSubsets.NAMES) + ", or a file",
            "imagenet: the classes to train on, a shipped subset or a file of WNIDs one per line; \"\" takes every "
                    + "class folder in train/. Class indices follow the sorted WNIDs.", c -> c.data().classes());
    public static final Param<String> VAL_GROUND_TRUTH = Param.pattern("data.val-ground-truth", "", ".*",
            "a file, or \"\"", "imagenet with a flat val/ folder: the file labelling its images (Kaggle's "
                    + "LOC_val_solution.csv, Tiny ImageNet's val_annotations.txt, one WNID or ILSVRC2012 ID per line); "
                    + "\"\" looks for one by name in val/ and its parent.", c -> c.data().valGroundTruth());
    public static final Param<Integer> RESIZE = Param.integer("data.resize", 256, 8, 4096,
            "imagenet: each image's shorter side is resized to this and the centre square kept in the shards.",
            c -> c.data().resize());
    public static final Param<Integer> CROP = Param.integer("data.crop", 224, 8, 4096,
            "imagenet: the network's input, a random crop with random horizontal flip of the stored square in "
                    + "training, its centre in evaluation.", c -> c.data().crop());
    public static final Param<Double> MAX_UNREADABLE = Param.decimal("data.max-unreadable-fraction", 0.001, 0, 1, true,
            "imagenet: images that cannot be decoded are reported and skipped; above this fraction of a split "
                    + "the export fails with their list.", c -> c.data().maxUnreadableFraction());
    private static final String AUGMENT = "mnist and fashion-mnist training images, drawn anew every epoch: ";
    public static final Param<Integer> AUGMENT_SHIFT = Param.integer("data.augment-shift", 0, 0, 14,
            AUGMENT + "a random shift by up to N pixels in each direction; 0: none.", c -> c.data().augmentShift());
    public static final Param<Double> AUGMENT_ROTATION = Param.decimal("data.augment-rotation", 0, 0, 180, true,
            AUGMENT + "a random rotation by up to this many degrees either way; 0: none.",
            c -> c.data().augmentRotation());
    public static final Param<Boolean> AUGMENT_FLIP = Param.bool("data.augment-flip", false,
            AUGMENT + "a left-right mirror half of the time (for clothes, not digits).", c -> c.data().augmentFlip());
    public static final Param<List<List<Double>>> FEATURES = Param.matrix("data.features",
            "inline: the features, one row per example.", c -> c.data().features());
    public static final Param<List<List<Double>>> LABELS = Param.matrix("data.labels",
            "inline: the labels, one row per example: the target values, a 0/1 label, or a one-hot row.",
            c -> c.data().labels());
    public static final Param<String> FILE = Param.pattern("data.file", "", ".*", "a local file, or \"\"",
            "csv: the file, numbers separated by commas, the labels in the last data.label-columns columns; a "
                    + "first line that is not all numbers is a header.", c -> c.data().file());
    public static final Param<Integer> LABEL_COLUMNS = Param.integer("data.label-columns", 1, 1, 100_000,
            "csv: how many of the last columns are labels.", c -> c.data().labelColumns());
    public static final Param<String> CACHE_DIR = Param.text("data.cache-dir", "~/.cache/sparktrain",
            "Local directory where fetched datasets are kept and verified.", c -> c.data().cacheDir());
    public static final Param<String> SHARD_DIR = Param.text("data.shard-dir", "shards",
            "Directory or URI for exported shards; relative to run.root. Exports are reused across runs.",
            c -> c.data().shardDir());
    public static final Param<Integer> TRAIN_EXAMPLES = Param.integer("data.train-examples", 0, 0, Integer.MAX_VALUE,
            "Use only the first N training examples; 0 uses all. quadratic and separable: how many points to "
                    + "generate (required).", c -> c.data().trainExamples());
    public static final Param<Integer> TEST_EXAMPLES = Param.integer("data.test-examples", 0, 0, Integer.MAX_VALUE,
            "Evaluate on only the first N test examples; 0 uses all.", c -> c.data().testExamples());
    public static final Param<Long> SHUFFLE_SEED = Param.longInteger("data.shuffle-seed", 42,
            "Seed of the shuffle before batching, and of the per-epoch shard order; of the points of quadratic "
                    + "and separable.", c -> c.data().shuffleSeed());

    /** Every architecture the model package builds; its tests build each one. */
    public static final List<String> ARCHITECTURES = List.of("lenet", "resnet18", "resnet34", "resnet50", "mlp");
    public static final String MLP = "mlp";
    /** The generative adversarial networks, trained by the GAN job (submit/gan) rather than the classifier's. */
    public static final List<String> GAN_ARCHITECTURES = List.of("gan", "dcgan");
    public static final Param<String> ARCHITECTURE = Param.choice("model.architecture", "lenet",
            Stream.concat(ARCHITECTURES.stream(), GAN_ARCHITECTURES.stream()).toList(),
            "Network to train; mlp is a stack of dense layers described by the mlp keys below; gan (the lecture's "
                    + "100-256-784 generator against a 784-256-1 discriminator) and dcgan (transposed convolutions "
                    + "and batch normalization against LeakyReLU convolutions) are trained by submit/gan.",
            c -> c.model().architecture());
    public static final Param<String> STEM = Param.choice("model.stem", "auto", List.of("auto", "imagenet", "small"),
            "ResNet input layers: imagenet = 7x7/2 convolution and 3x3/2 max-pool (He et al.); small = one 3x3/1 "
                    + "convolution, no pooling; auto = small when the image's shorter side is at most 64 px.",
            c -> c.model().stem());
    public static final Param<Integer> WIDTH = Param.integer("model.width", 64, 1, 1024,
            "ResNet channels of the stem and the first stage (the paper: 64); each later stage doubles them. dcgan: "
                    + "maps of the discriminator's first convolution and the generator's last hidden layer; the "
                    + "layer beyond each doubles them. Computation grows with the square.", c -> c.model().width());

    private static final String MLP_ONLY = "mlp: ";
    public static final Param<List<Integer>> HIDDEN_LAYERS = Param.intList("model.hidden-layers", List.of(), 1,
            1_000_000, MLP_ONLY + "units of each hidden dense layer, input side first; [] leaves only the output "
                    + "layer: linear, logistic or softmax regression.", c -> c.model().hiddenLayers());
    public static final Param<String> ACTIVATION = Param.choice("model.activation", "relu",
            List.of("relu", "leakyrelu", "elu", "sigmoid", "tanh", "identity"),
            MLP_ONLY + "activation of the hidden layers (leakyrelu: slope 0.01 below zero; elu: alpha 1).",
            c -> c.model().activation());
    public static final Param<String> OUTPUT_ACTIVATION = Param.choice("model.output-activation", "softmax",
            List.of("softmax", "sigmoid", "identity", "step"),
            MLP_ONLY + "activation of the output layer: softmax for one class of several, sigmoid for "
                    + "independent 0/1 labels, identity for regression; step (1 from 0 up, else 0) is a "
                    + "McCulloch-Pitts threshold, set by hand since its gradient is 0.",
            c -> c.model().outputActivation());
    public static final Param<String> LOSS = Param.choice("model.loss", "cross-entropy",
            List.of("cross-entropy", "binary-cross-entropy", "mse", "l1", "perceptron"),
            MLP_ONLY + "loss averaged over the minibatch: cross-entropy (with softmax), binary-cross-entropy (with "
                    + "sigmoid), mse (mean squared error over the outputs), l1 (mean absolute error), or "
                    + "perceptron (Rosenblatt's rule with sgd at rate 1, identity output, 0/1 labels; the loss "
                    + "reported is the fraction of mistakes).", c -> c.model().loss());
    public static final Param<String> WEIGHT_INIT = Param.choice("model.weight-init", "glorot-uniform",
            List.of("glorot-uniform", "glorot-normal", "he-uniform", "he-normal", "normal", "zero"),
            MLP_ONLY + "initial weights: Glorot (Xavier) or He, uniform or normal; normal = standard normal; "
                    + "zero = all zero. Biases start at model.bias-init.", c -> c.model().weightInit());
    public static final Param<String> BIAS_INIT = Param.choice("model.bias-init", "zero", List.of("zero", "normal"),
            MLP_ONLY + "initial biases: zero, or drawn from a standard normal (seeded by model.seed).",
            c -> c.model().biasInit());
    public static final Param<Boolean> BATCH_NORM = Param.bool("model.batch-norm", false,
            MLP_ONLY + "batch normalization between each hidden layer's weights and its activation.",
            c -> c.model().batchNorm());
    public static final Param<Double> DROPOUT = Param.decimal("model.dropout", 0, 0, 0.99, true,
            MLP_ONLY + "fraction of each hidden layer's outputs dropped while training; 0 disables dropout.",
            c -> c.model().dropout());
    public static final Param<Double> MAX_NORM = Param.decimal("model.max-norm", 0, 0, 1e6, true,
            MLP_ONLY + "largest L2 norm of the incoming weights of a unit, enforced after every step; 0 disables it.",
            c -> c.model().maxNorm());

    public static final Param<Long> MODEL_SEED = Param.longInteger("model.seed", 42,
            "Seed of the weight initialization.", c -> c.model().seed());
    public static final Param<String> UPDATER = Param.choice("model.updater", "adam",
            List.of("sgd", "momentum", "nesterovs", "adagrad", "rmsprop", "adam"),
            "Optimizer: plain gradient descent, classical (heavy-ball) momentum, Nesterov momentum, AdaGrad, RMSProp "
                    + "or Adam.", c -> c.model().updater());
    public static final Param<Double> LEARNING_RATE = Param.decimal("model.learning-rate", 1e-3, 0, 10, false,
            "Learning rate of the optimizer.", c -> c.model().learningRate());
    public static final Param<Double> LEARNING_RATE_DECAY = Param.decimal("model.learning-rate-decay", 1, 0, 1, false,
            "Factor applied to the learning rate after every epoch (exponential decay); 1 keeps it constant.",
            c -> c.model().learningRateDecay());
    public static final Param<Double> MOMENTUM = Param.decimal("model.momentum", 0.9, 0, 0.999, true,
            "Momentum of momentum and nesterovs.", c -> c.model().momentum());
    public static final Param<Double> RHO = Param.decimal("model.rho", 0.9, 0, 0.9999, false,
            "rmsprop: decay of the running mean of squared gradients.", c -> c.model().rho());
    public static final Param<Double> BETA1 = Param.decimal("model.beta1", 0.9, 0, 0.9999, true,
            "adam: decay of the running mean of gradients.", c -> c.model().beta1());
    public static final Param<Double> BETA2 = Param.decimal("model.beta2", 0.999, 0, 0.99999, false,
            "adam: decay of the running mean of squared gradients.", c -> c.model().beta2());
    public static final Param<Double> L1 = Param.decimal("model.l1", 0, 0, 1, true,
            "L1 regularization coefficient on weights (not biases); with model.l2, elastic net.",
            c -> c.model().l1());
    public static final Param<Double> L2 = Param.decimal("model.l2", 0, 0, 1, true,
            "L2 regularization coefficient on weights (not biases).", c -> c.model().l2());
    public static final Param<String> GRADIENT_CLIPPING = Param.choice("model.gradient-clipping", "none",
            List.of("none", "value", "norm"), "Clip each gradient before the optimizer sees it: value clips every "
                    + "component to [-t, t]; norm rescales each parameter array whose L2 norm exceeds t to norm t "
                    + "(t = model.gradient-clipping-threshold).", c -> c.model().gradientClipping());
    public static final Param<Double> CLIPPING_THRESHOLD = Param.decimal("model.gradient-clipping-threshold", 1, 0,
            1e6, false, "The t of model.gradient-clipping.", c -> c.model().gradientClippingThreshold());

    public static final Param<Integer> EPOCHS = Param.integer("training.epochs", 3, 1, 10_000_000,
            "Passes over the training set.", c -> c.training().epochs());
    public static final Param<Integer> BATCH_SIZE = Param.integer("training.batch-size-per-worker", 64, 1, 65_536,
            "Examples per minibatch on each worker; also the size of an exported shard.",
            c -> c.training().batchSizePerWorker());
    public static final Param<Integer> MAX_BATCHES = Param.integer("training.max-batches-per-epoch", 0, 0,
            Integer.MAX_VALUE, "Stop each epoch after N minibatches (all workers together); 0 means no limit.",
            c -> c.training().maxBatchesPerEpoch());
    public static final Param<Integer> REPORT_EVERY = Param.integer("training.report-every-batches", 200, 1,
            Integer.MAX_VALUE, "Print progress about every N minibatches (rounded to whole averaging rounds).",
            c -> c.training().reportEveryBatches());
    public static final Param<Integer> ROUND_TIMEOUT = Param.integer("training.round-timeout-minutes", 60, 0, 100_000,
            "A synchronization round (one Spark job) running longer than this is cancelled and the job fails, "
                    + "instead of hanging; 0 waits forever.", c -> c.training().roundTimeoutMinutes());

    public static final Param<Integer> EARLY_STOPPING_PATIENCE = Param.integer("training.early-stopping-patience", 0,
            0, 100_000, "Stop once test accuracy has gone this many epochs without improving on its best by more "
                    + "than training.early-stopping-min-delta (also across a resume); 0 never stops early.",
            c -> c.training().earlyStoppingPatience());
    public static final Param<Double> EARLY_STOPPING_MIN_DELTA = Param.decimal("training.early-stopping-min-delta",
            0, 0, 1, true, "The improvement in test accuracy (0.001 = 0.1 percentage points) that early stopping "
                    + "counts as one.", c -> c.training().earlyStoppingMinDelta());

    private static final String GAN_ONLY = "gan and dcgan: ";
    public static final Param<Integer> NOISE_SIZE = Param.integer("gan.noise-size", 100, 1, 10_000,
            GAN_ONLY + "the generator's input, noise drawn uniformly from [-1, 1].", c -> c.gan().noiseSize());
    public static final Param<Integer> DISCRIMINATOR_STEPS = Param.integer("gan.discriminator-steps", 1, 1, 1_000,
            GAN_ONLY + "discriminator minibatches per generator minibatch, the k of Goodfellow et al.'s Algorithm 1; "
                    + "an epoch is one pass of the discriminator over the real images.",
            c -> c.gan().discriminatorSteps());
    public static final Param<Integer> SAMPLE_GRID = Param.integer("gan.sample-grid", 10, 1, 64,
            GAN_ONLY + "after every epoch the run keeps an N x N grid of samples, always from the same noise.",
            c -> c.gan().sampleGrid());
    public static final Param<String> CLASSIFIER = Param.pattern("gan.classifier", "", ".*",
            "a run id, a run directory, or \"\"", GAN_ONLY + "a classifier run (its id under run.root, or its "
                    + "directory) trained on the same dataset, e.g. by submit/train conf/mnist-lenet.conf. Its last "
                    + "checkpoint judges the samples after every epoch: the classifier score (the MNIST score with "
                    + "MNIST) and the Fréchet distance on the features feeding its output layer (FID). \"\": "
                    + "neither is measured.", c -> c.gan().classifier());
    public static final Param<Double> CLASSIFIER_MIN_ACCURACY = Param.decimal("gan.classifier-min-accuracy", 0.99,
            0, 1, true, GAN_ONLY + "the job refuses a gan.classifier less accurate than this on the test images, "
                    + "whose judgement would mean little.", c -> c.gan().classifierMinAccuracy());
    public static final Param<Integer> QUALITY_SAMPLES = Param.integer("gan.quality-samples", 10_000, 2, 1_000_000,
            GAN_ONLY + "generated images, always from the same noise, that gan.classifier judges every epoch; the "
                    + "Fréchet distance compares them with the test images.", c -> c.gan().qualitySamples());

    public static final String SINGLE_MACHINE = "single-machine";
    public static final Param<String> STRATEGY = Param.choice("sync.strategy", "parameter-averaging",
            List.of("parameter-averaging", "gradient-sharing", "allreduce", SINGLE_MACHINE),
            "How workers keep their replicas in sync: synchronous parameter averaging, asynchronous sharing of "
                    + "threshold-encoded updates over Aeron UDP, or gradients summed at every step over a TCP ring "
                    + "(allreduce, as DistributedDataParallel; see docs/strategies.md on choosing); single-machine "
                    + "trains the tables in one JVM, without Spark. A GAN's gradient sharing sends its encoded updates "
                    + "over the allreduce ring (docs/gans.md).", c -> c.sync().strategy());
    public static final Param<Integer> WORKERS = Param.integer("sync.workers", 0, 0, 100_000,
            "Replicas trained in parallel; 0 uses Spark's default parallelism (the executor cores), or for "
                    + "a classifier's gradient sharing the executor JVMs (`spark.executor.instances`; 1 in local "
                    + "mode).",
            c -> c.sync().workers());
    public static final Param<Integer> AVERAGING_FREQUENCY = Param.integer("sync.averaging-frequency", 5, 1, 100_000,
            "Minibatches each worker fits between two parameter averagings.", c -> c.sync().averagingFrequency());
    public static final Param<Integer> PREFETCH = Param.integer("sync.prefetch-batches", 2, 0, 1_000,
            "Minibatches each worker loads ahead asynchronously; 0 disables prefetching.",
            c -> c.sync().prefetchBatches());
    public static final Param<Boolean> AVERAGE_UPDATER = Param.bool("sync.average-updater-state", true,
            "Average optimizer state (Adam moments, momentum) along with the parameters.",
            c -> c.sync().averageUpdaterState());

    public static final Param<Integer> ALLREDUCE_STEPS = Param.integer("sync.allreduce.steps-per-stage", 100, 1,
            1_000_000, "Allreduce, and a GAN's gradient sharing: steps each worker takes in one Spark barrier "
                    + "stage; the driver receives the parameters, reports progress and applies the round timeout at "
                    + "every stage's end.",
            c -> c.sync().allreduceStepsPerStage());

    private static final String SHARING = "Gradient sharing: ";
    public static final Param<String> CONTROLLER_ADDRESS = Param.pattern("sync.sharing.controller-address", "",
            "|[A-Za-z0-9][A-Za-z0-9.:-]*", "a host name or IP address, or \"\"",
            SHARING + "address of the driver that workers connect to; \"\" uses the address on `network-interface`, "
                    + "else `spark.driver.host` (127.0.0.1 in local mode).",
            c -> c.sync().sharing().controllerAddress());
    public static final Param<String> NETWORK_MASK = Param.pattern("sync.sharing.network-mask", "",
            "|[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}", "an IPv4 network such as 10.0.0.0/16, or \"\"",
            SHARING + "every JVM binds the address it has in this network; \"\" uses the network of the "
                    + "controller address (127.0.0.0/8 in local mode).",
            c -> c.sync().sharing().networkMask());
    public static final Param<String> NETWORK_INTERFACE = Param.pattern("sync.sharing.network-interface", "",
            "|[A-Za-z0-9_.:@-]+", "an interface name such as eth0, or \"\"",
            SHARING + "alternative to `network-mask`: the network of this interface on the driver.",
            c -> c.sync().sharing().networkInterface());
    public static final Param<String> PORTS = Param.pattern("sync.sharing.ports", "49876-49899",
            "[0-9]{1,5}(-[0-9]{1,5})?", "a UDP port or range such as 49876-49899",
            SHARING + "UDP ports; the driver takes the first free one, each executor JVM another free one. "
                    + "Open them between all executors and the driver.",
            c -> c.sync().sharing().ports());
    public static final Param<String> MESH_MODE = Param.choice("sync.sharing.mesh-mode", "plain",
            List.of("plain", "mesh"), SHARING + "`plain`: every worker talks to the driver, which relays; `mesh`: "
                    + "a tree of relaying workers, for many nodes.", c -> c.sync().sharing().meshMode());
    public static final Param<Integer> WORKERS_PER_NODE = Param.integer("sync.sharing.workers-per-node", 1, 1, 1,
            SHARING + "training threads per executor JVM. Only 1: DL4J 1.0.0-M2 can deadlock with more (see "
                    + "docs/strategies.md); use more executors with fewer cores instead.",
            c -> c.sync().sharing().workersPerNode());
    public static final Param<Integer> BATCHES_PER_FIT = Param.integer("sync.sharing.batches-per-fit", 16, 1,
            1_000_000, SHARING + "minibatches per worker in one Spark job. Every job restarts the workers' replicas "
                    + "from the driver's parameters, so shorter jobs keep them closer (see docs/strategies.md); after "
                    + "each, the driver checks that the parameters moved and records traffic.",
            c -> c.sync().sharing().batchesPerFit());
    public static final Param<Integer> NETWORK_TIMEOUT = Param.integer("sync.sharing.network-timeout-seconds", 30, 1,
            3600, SHARING + "longest wait for a handshake or reply between the driver and a worker.",
            c -> c.sync().sharing().networkTimeoutSeconds());
    public static final Param<String> THRESHOLD_ALGORITHM = Param.choice("sync.sharing.threshold-algorithm",
            "adaptive", List.of("adaptive", "fixed", "target-sparsity"),
            SHARING + "how the encoding threshold is chosen: `adaptive` keeps the sparsity between `min-sparsity` and "
                    + "`max-sparsity`, `target-sparsity` steers it to `target-sparsity`, `fixed` keeps `threshold`.",
            c -> c.sync().sharing().thresholdAlgorithm());
    public static final Param<Double> THRESHOLD = Param.decimal("sync.sharing.threshold", 1e-4, 0, 1, false,
            SHARING + "initial (or fixed) threshold: update components smaller in magnitude stay in the residual.",
            c -> c.sync().sharing().threshold());
    public static final Param<Double> MIN_SPARSITY = Param.decimal("sync.sharing.min-sparsity", 1e-4, 0, 1, false,
            SHARING + "adaptive: lowest fraction of components sent per step.", c -> c.sync().sharing().minSparsity());
    public static final Param<Double> MAX_SPARSITY = Param.decimal("sync.sharing.max-sparsity", 1e-2, 0, 1, false,
            SHARING + "adaptive: highest fraction of components sent per step.", c -> c.sync().sharing().maxSparsity());
    public static final Param<Double> TARGET_SPARSITY = Param.decimal("sync.sharing.target-sparsity", 1e-3, 0, 1,
            false, SHARING + "target-sparsity: the fraction of components to send per step.",
            c -> c.sync().sharing().targetSparsity());
    public static final Param<Double> THRESHOLD_DECAY = Param.decimal("sync.sharing.threshold-decay", 0.965936, 0, 1,
            false, SHARING + "adaptive and target-sparsity: factor by which the threshold moves per step (0.965936 halves or "
                    + "doubles it in 20 steps).",
            c -> c.sync().sharing().thresholdDecay());
    public static final Param<Double> RESIDUAL_CLIP = Param.decimal("sync.sharing.residual-clip-multiple", 5, 0, 1e6,
            true, SHARING + "clip the residual to this multiple of the threshold; 0 disables clipping.",
            c -> c.sync().sharing().residualClipMultiple());
    public static final Param<Integer> RESIDUAL_CLIP_EVERY = Param.integer("sync.sharing.residual-clip-every", 5, 1,
            1_000_000, SHARING + "clip the residual every N steps.", c -> c.sync().sharing().residualClipEvery());
    public static final Param<Integer> STATISTICS_BATCHES = Param.integer("sync.sharing.statistics-batches", 50, 1,
            1_000_000, SHARING + "training minibatches from which the executors re-estimate batch normalization's "
                    + "running mean and variance before every evaluation, as the encoded updates leave them stale "
                    + "(see docs/strategies.md); networks without it skip this.",
            c -> c.sync().sharing().statisticsBatches());
    public static final Param<String> MASTER = Param.text("spark.master", "local[*]",
            "Spark master when the launcher (spark-submit) sets none.", c -> c.spark().master());
    public static final Param<String> APP_NAME = Param.text("spark.app-name", "sparktrain",
            "Spark application name.", c -> c.spark().appName());

    private static final String SIZE_PATTERN = "(?i)[0-9]+[kmgt]?";
    public static final Param<String> EXECUTOR_OFFHEAP = Param.pattern("spark.executor-offheap-memory", "2g",
            SIZE_PATTERN, "a size such as 2g or 512m",
            "ND4J's off-heap limit per executor (JavaCPP maxbytes); added to spark.executor.memoryOverhead. "
                    + "Not used in local mode, where submit/train sets the limits.",
            c -> c.spark().executorOffheapMemory());
    public static final Param<String> CONTAINER_LIMIT = Param.pattern("spark.container-memory-limit", "0",
            SIZE_PATTERN, "a size such as 16g, or 0",
            "Largest executor container the cluster grants (YARN's maximum allocation, a Kubernetes limit); "
                    + "the job refuses executor settings that exceed it. 0: not checked.",
            c -> c.spark().containerMemoryLimit());

    public static final Param<String> SECRET_FILE = Param.pattern("spark.secret-file", "", ".*", "a file, or \"\"",
            "A file holding the shared secret of a cluster that authenticates (submit/cluster start writes one). "
                    + "Set, the job authenticates with it (spark.authenticate) and encrypts RPC "
                    + "(spark.network.crypto.enabled) and shuffle and spill files (spark.io.encryption.enabled). The "
                    + "file must be readable by its owner alone; the secret itself never goes on a command line. "
                    + "See docs/security.md.", c -> c.spark().secretFile());

    private static final String RETRAIN = "submit/retrain: ";
    private static final String NUMBER_OR_EMPTY = "-?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?|";
    public static final Param<String> REGISTRY_ROOT = Param.text("registry.root", ".",
            RETRAIN + "where the model registry lives, as registry/ below it: a path, or a file:// or hdfs:// URI "
                    + "(see docs/registry.md).", c -> c.retrain().registryRoot());
    public static final Param<String> REGISTRY_MODEL = Param.pattern("registry.model", "", "[a-z0-9][a-z0-9._-]*|",
            "lower-case letters, digits, '.', '-', '_', or \"\"",
            RETRAIN + "the registered model to retrain; its champion is warm-started from and challenged.",
            c -> c.retrain().model());
    public static final Param<String> MIN_ACCURACY = Param.pattern("retrain.gates.min-accuracy", "", NUMBER_OR_EMPTY,
            "a number in [0, 1], or \"\"", RETRAIN + "value gate: the challenger's accuracy on the holdout must "
                    + "be at least this. \"\": no value gate.", c -> c.retrain().minAccuracy());
    public static final Param<String> MIN_ACCURACY_DELTA = Param.pattern("retrain.gates.min-accuracy-delta", "",
            NUMBER_OR_EMPTY, "a number in [-1, 1], or \"\"", RETRAIN + "change gate: the challenger's accuracy "
                    + "minus the champion's, on the same holdout, must be at least this (negative allows a little "
                    + "worse). Applies only when there is a champion. \"\": no change gate. At least one gate is "
                    + "required.", c -> c.retrain().minAccuracyDelta());
    public static final Param<Double> FINE_TUNE_RATE = Param.decimal("retrain.learning-rate", 0, 0, 10, true,
            RETRAIN + "learning rate when warm-starting from the champion (fine-tuning); 0: model.learning-rate.",
            c -> c.retrain().learningRate());
    public static final Param<Boolean> WARM_START_OPTIMIZER = Param.bool("retrain.warm-start-optimizer", false,
            RETRAIN + "true: the challenger starts from the champion's optimizer state as well as its parameters "
                    + "(it needs the same model.updater); false: the optimizer starts afresh.",
            c -> c.retrain().warmStartOptimizer());
    public static final Param<Integer> LEASE_SECONDS = Param.integer("retrain.lease-seconds", 1800, 10, 10_000_000,
            RETRAIN + "how long the model's lock lasts without renewal; the job renews it every third of this "
                    + "while it works, so a lease outlives a dead job by at most this long.",
            c -> c.retrain().leaseSeconds());

    public static final List<Param<?>> ALL = List.of(RUN_NAME, RUN_ROOT, DATASET, SOURCE_DIR, CLASSES, VAL_GROUND_TRUTH, RESIZE, CROP,
            MAX_UNREADABLE, AUGMENT_SHIFT, AUGMENT_ROTATION, AUGMENT_FLIP, FEATURES, LABELS, FILE, LABEL_COLUMNS, CACHE_DIR, SHARD_DIR,
            TRAIN_EXAMPLES, TEST_EXAMPLES, SHUFFLE_SEED, ARCHITECTURE, STEM, WIDTH, HIDDEN_LAYERS, ACTIVATION,
            OUTPUT_ACTIVATION, LOSS, WEIGHT_INIT, BIAS_INIT, BATCH_NORM, DROPOUT, MAX_NORM, MODEL_SEED, UPDATER,
            LEARNING_RATE, LEARNING_RATE_DECAY, MOMENTUM, RHO, BETA1, BETA2, L1, L2, GRADIENT_CLIPPING,
            CLIPPING_THRESHOLD, EPOCHS, BATCH_SIZE, MAX_BATCHES, REPORT_EVERY, ROUND_TIMEOUT,
            EARLY_STOPPING_PATIENCE, EARLY_STOPPING_MIN_DELTA, NOISE_SIZE, DISCRIMINATOR_STEPS, SAMPLE_GRID, CLASSIFIER,
            CLASSIFIER_MIN_ACCURACY, QUALITY_SAMPLES, STRATEGY,
            WORKERS, AVERAGING_FREQUENCY, PREFETCH, AVERAGE_UPDATER, ALLREDUCE_STEPS, CONTROLLER_ADDRESS,
            NETWORK_MASK,
            NETWORK_INTERFACE, PORTS, MESH_MODE, WORKERS_PER_NODE, BATCHES_PER_FIT, NETWORK_TIMEOUT,
            THRESHOLD_ALGORITHM, THRESHOLD, MIN_SPARSITY, MAX_SPARSITY, TARGET_SPARSITY, THRESHOLD_DECAY,
            RESIDUAL_CLIP, RESIDUAL_CLIP_EVERY, STATISTICS_BATCHES, MASTER, APP_NAME, EXECUTOR_OFFHEAP,
            CONTAINER_LIMIT, SECRET_FILE, REGISTRY_ROOT, REGISTRY_MODEL, MIN_ACCURACY, MIN_ACCURACY_DELTA,
            FINE_TUNE_RATE, WARM_START_OPTIMIZER, LEASE_SECONDS);

    /** The settings that define the network; a resumed run takes them from its checkpoint. */
    public static final List<Param<?>> ARCHITECTURE_DEFINING = List.of(ARCHITECTURE, STEM, WIDTH, HIDDEN_LAYERS,
            ACTIVATION, OUTPUT_ACTIVATION, LOSS, WEIGHT_INIT, BIAS_INIT, BATCH_NORM, DROPOUT, MAX_NORM, MODEL_SEED,
            UPDATER, LEARNING_RATE, LEARNING_RATE_DECAY, MOMENTUM, RHO, BETA1, BETA2, L1, L2, GRADIENT_CLIPPING,
            CLIPPING_THRESHOLD, NOISE_SIZE);

    /** The settings only the GAN architectures read. */
    public static final List<Param<?>> GAN_SETTINGS = List.of(NOISE_SIZE, DISCRIMINATOR_STEPS, SAMPLE_GRID,
            CLASSIFIER, CLASSIFIER_MIN_ACCURACY, QUALITY_SAMPLES);

    /** The settings only the mlp architecture reads; other architectures refuse values other than the defaults. */
    public static final List<Param<?>> MLP_SETTINGS = List.of(HIDDEN_LAYERS, ACTIVATION, OUTPUT_ACTIVATION, LOSS,
            WEIGHT_INIT, BIAS_INIT, BATCH_NORM, DROPOUT, MAX_NORM);

    /** The config reference as a Markdown table, for docs/configuration.md and {@code --describe-config}. */
    public static String markdownReference() {
        StringBuilder table = new StringBuilder("| key | default | allowed | meaning |\n|---|---|---|---|\n");
        for (Param<?> p : ALL) {
            table.append("| `").append(p.key()).append("` | `").append(p.defaultValue()).append("` | ")
                    .append(p.allowed()).append(" | ").append(p.doc()).append(" |\n");
        }
        table.append("| `").append(SPARK_CONF).append(".<key>` | | strings | Extra Spark settings, "
                + "e.g. `spark.conf.\"spark.executor.memory\" = 8g`. |\n");
        return table.toString();
    }
}
