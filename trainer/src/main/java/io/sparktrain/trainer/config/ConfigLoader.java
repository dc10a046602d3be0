package io.sparktrain.trainer.config;

import static io.sparktrain.trainer.config.ConfigSchema.*;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.sparktrain.datasets.Datasets;
import io.sparktrain.trainer.tables.TableSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Resolves a HOCON job file plus {@code key=value} overrides into a {@link TrainConfig}: defaults
 * from {@link ConfigSchema} underneath, overrides on top. Unknown keys, wrong types and values out
 * of range are all collected and reported together, each naming the key, the value and its origin.
 */
public final class ConfigLoader {
    private static final String SPARK_CONF_PREFIX = SPARK_CONF + ".";
    private static final String AUTH_SECRET = "spark.authenticate.secret";
    private static final Set<String> WILDCARD_ADDRESSES = Set.of("0.0.0.0", "::", "0:0:0:0:0:0:0:0");
    private static final Set<String> KNOWN_KEYS = ALL.stream().map(Param::key).collect(Collectors.toSet());

    private ConfigLoader() {}

    public static TrainConfig load(Path file, List<String> overrides) {
        return resolve(parseFile(file), overrides);
    }

    /** {@link #load}, with the checks of the job that will run it. */
    public static TrainConfig load(Path file, List<String> overrides, JobKind job) {
        return resolve(parseFile(file), overrides, job);
    }

    /** A HOCON file as it is, for callers that take sections of their own out before {@link #resolve}. */
    public static Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigException(file + ": no such config file");
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new InvalidConfigException(file + ": not valid HOCON: " + e.getMessage());
        }
        return parsed;
    }

    /** Parses a config saved with {@link #render}, e.g. the one a run directory keeps. */
    public static TrainConfig parse(String hocon, String origin, List<String> overrides) {
        return resolve(parseText(hocon, origin), overrides);
    }

    /** {@link #parse}, with the checks of the job that will run it. */
    public static TrainConfig parse(String hocon, String origin, List<String> overrides, JobKind job) {
        return resolve(parseText(hocon, origin), overrides, job);
    }

    private static Config parseText(String hocon, String origin) {
        try {
            return ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(origin));
        } catch (ConfigException e) {
            throw new InvalidConfigException(origin + ": not valid HOCON: " + e.getMessage());
        }
    }

    /** Overrides as a config, to compare or merge; {@code spark.conf.<key>} keeps the Spark key whole. */
    public static Config overrides(List<String> assignments) {
        Config config = ConfigFactory.empty();
        for (String assignment : assignments) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new InvalidConfigException("override '" + assignment + "': expected key=value");
            }
            String key = assignment.substring(0, eq).strip();
            String value = assignment.substring(eq + 1).strip();
            String path = key.startsWith(SPARK_CONF_PREFIX)
                    ? SPARK_CONF_PREFIX + ConfigUtil.quoteString(unquoted(key.substring(SPARK_CONF_PREFIX.length())))
                    : key;
            try {
                config = config.withValue(path, ConfigValueFactory.fromAnyRef(value, "command line"));
            } catch (ConfigException e) {
                throw new InvalidConfigException("override '" + assignment + "': '" + key + "' is not a valid key");
            }
        }
        return config;
    }

    /** A Spark key as written in a config file, {@code "spark.executor.memory"}, is the key without its quotes. */
    private static String unquoted(String sparkKey) {
        return sparkKey.length() > 1 && sparkKey.startsWith("\"") && sparkKey.endsWith("\"")
                ? sparkKey.substring(1, sparkKey.length() - 1) : sparkKey;
    }

    /** {@code parsed} with the defaults underneath and the overrides on top, checked. */
    public static TrainConfig resolve(Config parsed, List<String> overrideAssignments) {
        return resolve(parsed, overrideAssignments, Optional.empty());
    }

    /** {@link #resolve(Config, List)}, with the checks of the job that will run it. */
    public static TrainConfig resolve(Config parsed, List<String> overrideAssignments, JobKind job) {
        return resolve(parsed, overrideAssignments, Optional.of(job));
    }

    private static TrainConfig resolve(Config parsed, List<String> overrideAssignments, Optional<JobKind> job) {
        Config merged;
        try {
            merged = overrides(overrideAssignments).withFallback(parsed).withFallback(defaults()).resolve();
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.getMessage());
        }
        List<String> problems = new ArrayList<>();
        List<String> sectionsSetToValues = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> entry : merged.entrySet()) {
            String key = entry.getKey();
            if (KNOWN_KEYS.contains(key) || key.startsWith(SPARK_CONF_PREFIX)) {
                continue;
            }
            List<String> inside = ALL.stream().map(Param::key).filter(known -> known.startsWith(key + ".")).toList();
            if (inside.isEmpty() && !key.equals(SPARK_CONF)) {
                problems.add("unknown key '" + key + "' (" + entry.getValue().origin().description() + ")"
                        + suggestion(key));
            } else {
                // e.g. --set model=5: the value replaces the whole section, and every key in it is gone.
                sectionsSetToValues.add(key + ".");
                problems.add(key + " = " + entry.getValue().render(ConfigRenderOptions.concise()) + " ("
                        + entry.getValue().origin().description() + "): '" + key + "' is a section of settings, not "
                        + "a value; set the keys inside it, such as " + (inside.isEmpty() ? SPARK_CONF_PREFIX
                                + "\"spark.executor.memory\"" : inside.get(0)));
            }
        }
        Map<Param<?>, Object> values = new LinkedHashMap<>();
        for (Param<?> param : ALL) {
            if (sectionsSetToValues.stream().anyMatch(param.key()::startsWith)) {
                continue;
            }
            try {
                values.put(param, param.read(merged));
            } catch (InvalidConfigException e) {
                problems.add(e.getMessage());
            }
        }
        Map<String, String> sparkConf = sparkConf(merged, problems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        TrainConfig config = build(values, sparkConf);
        problems.addAll(crossChecks(config));
        job.ifPresent(kind -> problems.addAll(kind.problems(config)));
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return config;
    }

    private static Map<String, String> sparkConf(Config merged, List<String> problems) {
        Map<String, String> sparkConf = new TreeMap<>();
        if (!merged.hasPath(SPARK_CONF) || merged.getValue(SPARK_CONF).valueType() != ConfigValueType.OBJECT) {
            return sparkConf;
        }
        for (Map.Entry<String, ConfigValue> entry : merged.getConfig(SPARK_CONF).entrySet()) {
            String sparkKey = String.join(".", ConfigUtil.splitPath(entry.getKey()));
            ConfigValue value = entry.getValue();
            if (value.valueType() == ConfigValueType.LIST || value.valueType() == ConfigValueType.NULL) {
                problems.add(SPARK_CONF_PREFIX + sparkKey + " = " + value.render() + " ("
                        + value.origin().description() + "): expected a string, number or boolean");
            } else {
                sparkConf.put(sparkKey, String.valueOf(value.unwrapped()));
            }
        }
        return sparkConf;
    }

    /** Checks that span several keys, once every key is valid on its own. */
    static List<String> crossChecks(TrainConfig config) {
        List<String> problems = new ArrayList<>();
        TrainConfig.Data data = config.data();
        if (data.dataset().equals("mnist") && !data.sourceDir().isEmpty()) {
            problems.add(SOURCE_DIR.key() + " = " + data.sourceDir() + ": mnist is fetched and verified by "
                    + "the job itself and reads no source directory; remove the setting");
        }
        if (data.dataset().equals(Datasets.IMAGENET)) {
            if (data.sourceDir().isEmpty()) {
                problems.add(SOURCE_DIR.key() + " is empty: imagenet needs the directory holding train/ and val/");
            }
            if (data.crop() > data.resize()) {
                problems.add(CROP.key() + " = " + data.crop() + " exceeds " + RESIZE.key() + " = " + data.resize()
                        + ": the crop is cut from the stored square");
            }
            if (data.trainExamples() != 0 || data.testExamples() != 0) {
                problems.add(TRAIN_EXAMPLES.key() + " and " + TEST_EXAMPLES.key() + " apply to MNIST-format "
                        + "datasets; select imagenet classes with " + CLASSES.key() + " instead");
            }
        } else {
            problems.addAll(setOnlyWhereTheyApply(config, List.of(CLASSES, VAL_GROUND_TRUTH), Datasets.IMAGENET,
                    data.dataset()));
        }
        if (!Datasets.MNIST_FORMAT.contains(data.dataset())) {
            problems.addAll(setOnlyWhereTheyApply(config, List.of(AUGMENT_SHIFT, AUGMENT_ROTATION, AUGMENT_FLIP),
                    String.join(" and ", Datasets.MNIST_FORMAT), data.dataset()
                            + (data.dataset().equals(Datasets.IMAGENET) ? ", which crops and flips on its own" : "")));
        }
        problems.addAll(tableChecks(config));
        problems.addAll(modelChecks(config));
        problems.addAll(ganChecks(config));
        TrainConfig.Sharing sharing = config.sync().sharing();
        if (!sharing.networkMask().isEmpty() && !sharing.networkInterface().isEmpty()) {
            problems.add(NETWORK_MASK.key() + " = " + sharing.networkMask() + " and " + NETWORK_INTERFACE.key() + " = "
                    + sharing.networkInterface() + ": set one of them, not both");
        }
        if (sharing.minSparsity() > sharing.maxSparsity()) {
            problems.add(MIN_SPARSITY.key() + " = " + sharing.minSparsity() + " exceeds " + MAX_SPARSITY.key() + " = "
                    + sharing.maxSparsity());
        }
        problems.addAll(sharingChecks(config));
        problems.addAll(secretChecks(config));
        String[] ports = sharing.ports().split("-");
        int first = Integer.parseInt(ports[0]);
        int last = Integer.parseInt(ports[ports.length - 1]);
        if (first < 1 || last > 65_535 || first > last) {
            problems.add(PORTS.key() + " = " + sharing.ports() + ": expected ports in 1..65535, the first not above "
                    + "the last");
        }
        return problems;
    }

    /**
     * Gradient sharing trains one replica per executor JVM, over UDP that carries no authentication:
     * its mesh binds addresses of one network, never every address of a machine.
     */
    private static List<String> sharingChecks(TrainConfig config) {
        List<String> problems = new ArrayList<>();
        TrainConfig.Sharing sharing = config.sync().sharing();
        if (config.sync().strategy().equals("gradient-sharing") && config.spark().isLocal()
                && config.sync().workers() > 1 && !GAN_ARCHITECTURES.contains(config.model().architecture())) {
            problems.add(WORKERS.key() + " = " + config.sync().workers() + ": gradient sharing trains one replica per "
                    + "executor JVM, and local mode (spark.master = " + config.spark().effectiveMaster() + ") has one; "
                    + "set 0 or 1, or run on a cluster (submit/cluster) for more");
        }
        if (WILDCARD_ADDRESSES.contains(sharing.controllerAddress())) {
            problems.add(CONTROLLER_ADDRESS.key() + " = " + sharing.controllerAddress() + ": a wildcard address; "
                    + "name the driver's address on the executors' private network (see docs/security.md)");
        }
        if (sharing.networkMask().endsWith("/0")) {
            problems.add(NETWORK_MASK.key() + " = " + sharing.networkMask() + " takes in every address, so the "
                    + "unauthenticated update traffic could bind a public one; give the executors' private network, "
                    + "such as 10.0.0.0/16 (see docs/security.md)");
        }
        return problems;
    }

    /** The secret comes from a file only its owner can read, never from a setting that is saved or shown. */
    private static List<String> secretChecks(TrainConfig config) {
        List<String> problems = new ArrayList<>();
        if (config.spark().conf().containsKey(AUTH_SECRET)) {
            problems.add(SPARK_CONF_PREFIX + AUTH_SECRET + ": the secret would be saved in the run's config.conf and "
                    + "shown on command lines; write it to a file readable by you alone and set " + SECRET_FILE.key());
        }
        String file = config.spark().secretFile();
        if (file.isEmpty()) {
            return problems;
        }
        Path path = Path.of(file);
        try {
            if (!Files.isRegularFile(path) || Files.size(path) == 0) {
                problems.add(SECRET_FILE.key() + " = " + file + ": no such file, or it is empty");
            } else if (!Files.isReadable(path)) {
                problems.add(SECRET_FILE.key() + " = " + file + ": not readable by this user");
            } else if (Files.getFileStore(path).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Set<PosixFilePermission> open = EnumSet.copyOf(Files.getPosixFilePermissions(path));
                open.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ,
                        PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE));
                if (!open.isEmpty()) {
                    problems.add(SECRET_FILE.key() + " = " + file + ": others can read or change it (" + open
                            + "); expected a file only its owner reads, e.g. chmod 600 " + file);
                }
            }
        } catch (java.io.IOException e) {
            problems.add(SECRET_FILE.key() + " = " + file + ": " + e.getMessage());
        }
        return problems;
    }

    /** A problem for each of {@code params} set away from its default in a job where it does not apply. */
    private static List<String> setOnlyWhereTheyApply(TrainConfig config, List<? extends Param<?>> params,
            String appliesTo, String job) {
        List<String> problems = new ArrayList<>();
        for (Param<?> param : params) {
            Object value = param.valueIn(config);
            if (!value.equals(param.defaultValue())) {
                problems.add(param.key() + " = " + value + ": applies to " + appliesTo + " only, not " + job);
            }
        }
        return problems;
    }

    /** Tables train an mlp in one JVM; their keys belong to them alone. */
    private static List<String> tableChecks(TrainConfig config) {
        List<String> problems = new ArrayList<>();
        TrainConfig.Data data = config.data();
        boolean table = Datasets.TABLES.contains(data.dataset());
        if (!data.dataset().equals(Datasets.INLINE)) {
            problems.addAll(setOnlyWhereTheyApply(config, List.of(FEATURES, LABELS), DATASET.key() + " = "
                    + Datasets.INLINE, data.dataset()));
        }
        if (!data.dataset().equals(Datasets.CSV)) {
            problems.addAll(setOnlyWhereTheyApply(config, List.of(FILE, LABEL_COLUMNS), DATASET.key() + " = "
                    + Datasets.CSV, data.dataset()));
        }
        if (table != config.sync().strategy().equals(SINGLE_MACHINE)) {
            problems.add(table
                    ? DATASET.key() + " = " + data.dataset() + " is a small table: it needs " + STRATEGY.key() + " = "
                            + SINGLE_MACHINE + ", not " + config.sync().strategy()
                    : STRATEGY.key() + " = " + SINGLE_MACHINE + " trains the tables (" + String.join(", ",
                            Datasets.TABLES) + ") only, not " + data.dataset());
        }
        if (!table) {
            return problems;
        }
        problems.addAll(setOnlyWhereTheyApply(config, List.of(EARLY_STOPPING_PATIENCE, EARLY_STOPPING_MIN_DELTA),
                "training that evaluates a test set every epoch", data.dataset()));
        if (!config.model().architecture().equals(MLP)) {
            problems.add(DATASET.key() + " = " + data.dataset() + " needs " + ARCHITECTURE.key() + " = " + MLP
                    + ", not " + config.model().architecture());
        }
        if (data.testExamples() != 0) {
            problems.add(TEST_EXAMPLES.key() + " = " + data.testExamples() + ": a table is evaluated on its own rows");
        }
        switch (data.dataset()) {
            case Datasets.INLINE -> {
                try {
                    TableSource.inline(data);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
            case Datasets.CSV -> {
                if (data.file().isEmpty()) {
                    problems.add(FILE.key() + " is empty: csv needs the file to read");
                }
            }
            default -> {
                if (data.trainExamples() == 0) {
                    problems.add(TRAIN_EXAMPLES.key() + " = 0: " + data.dataset() + " needs the number of points to "
                            + "generate");
                }
            }
        }
        return problems;
    }

    /**
     * A GAN learns MNIST-format images, its discriminator
     * copied frozen into the generator's training network: a weight penalty would move that copy
     * (DL4J applies L1 and L2 to frozen layers too), and there is no test accuracy to stop early on.
     */
    private static List<String> ganChecks(TrainConfig config) {
        String architecture = config.model().architecture();
        if (!GAN_ARCHITECTURES.contains(architecture)) {
            return setOnlyWhereTheyApply(config, GAN_SETTINGS, String.join(" and ", GAN_ARCHITECTURES), architecture);
        }
        List<String> problems = new ArrayList<>();
        String dataset = config.data().dataset();
        if (!Datasets.MNIST_FORMAT.contains(dataset)) {
            problems.add(ARCHITECTURE.key() + " = " + architecture + " learns 28x28 grey images ("
                    + String.join(", ", Datasets.MNIST_FORMAT) + "), not " + dataset);
        }
        if (config.sync().strategy().equals("gradient-sharing")) {
            // DL4J's mesh carries one network per JVM; a GAN's two share over the barrier stage's ring.
            problems.addAll(setOnlyWhereTheyApply(config, List.of(CONTROLLER_ADDRESS, NETWORK_MASK, NETWORK_INTERFACE,
                    PORTS, MESH_MODE, WORKERS_PER_NODE, BATCHES_PER_FIT, NETWORK_TIMEOUT, STATISTICS_BATCHES),
                    "classifiers' gradient sharing (DL4J's Aeron mesh)", architecture
                            + ", which shares its updates over a TCP ring in barrier stages of "
                            + ALLREDUCE_STEPS.key() + " steps"));
        }
        String job = architecture + ", whose discriminator is copied frozen into the generator's training network";
        problems.addAll(setOnlyWhereTheyApply(config, List.of(L1, L2), "classifiers", job));
        problems.addAll(setOnlyWhereTheyApply(config, List.of(EARLY_STOPPING_PATIENCE, EARLY_STOPPING_MIN_DELTA,
                AUGMENT_SHIFT, AUGMENT_ROTATION, AUGMENT_FLIP), "classifiers", architecture));
        return problems;
    }

    /** The mlp keys apply to mlp alone, and its output activation and loss must belong together. */
    private static List<String> modelChecks(TrainConfig config) {
        List<String> problems = new ArrayList<>();
        TrainConfig.Model model = config.model();
        if (!model.architecture().equals(MLP)) {
            return setOnlyWhereTheyApply(config, MLP_SETTINGS, ARCHITECTURE.key() + " = " + MLP, model.architecture());
        }
        String pairing = switch (model.loss()) {
            case "cross-entropy" -> "softmax";
            case "binary-cross-entropy" -> "sigmoid";
            case "perceptron" -> "identity";
            default -> model.outputActivation();
        };
        if (!pairing.equals(model.outputActivation())) {
            problems.add(LOSS.key() + " = " + model.loss() + " needs " + OUTPUT_ACTIVATION.key() + " = " + pairing
                    + ", not " + model.outputActivation());
        }
        if (model.hiddenLayers().isEmpty()) {
            for (Param<?> hiddenOnly : List.of(BATCH_NORM, DROPOUT)) {
                if (!hiddenOnly.valueIn(config).equals(hiddenOnly.defaultValue())) {
                    problems.add(hiddenOnly.key() + " = " + hiddenOnly.valueIn(config) + " acts on hidden layers, and "
                            + HIDDEN_LAYERS.key() + " is empty");
                }
            }
        }
        return problems;
    }

    @SuppressWarnings("unchecked")
    private static <T> T get(Map<Param<?>, Object> values, Param<T> param) {
        return (T) values.get(param);
    }

    private static TrainConfig build(Map<Param<?>, Object> v, Map<String, String> sparkConf) {
        return new TrainConfig(
                new TrainConfig.Run(get(v, RUN_NAME), get(v, RUN_ROOT)),
                new TrainConfig.Data(get(v, DATASET), get(v, SOURCE_DIR), get(v, CLASSES),
                        get(v, VAL_GROUND_TRUTH), get(v, RESIZE), get(v, CROP), get(v, MAX_UNREADABLE), get(v, AUGMENT_SHIFT),
                        get(v, AUGMENT_ROTATION), get(v, AUGMENT_FLIP), get(v, FEATURES),
                        get(v, LABELS), get(v, FILE), get(v, LABEL_COLUMNS), get(v, CACHE_DIR), get(v, SHARD_DIR),
                        get(v, TRAIN_EXAMPLES),
                        get(v, TEST_EXAMPLES), get(v, SHUFFLE_SEED)),
                new TrainConfig.Model(get(v, ARCHITECTURE), get(v, STEM), get(v, WIDTH), get(v, HIDDEN_LAYERS),
                        get(v, ACTIVATION), get(v, OUTPUT_ACTIVATION), get(v, LOSS), get(v, WEIGHT_INIT),
                        get(v, BIAS_INIT), get(v, BATCH_NORM), get(v, DROPOUT), get(v, MAX_NORM), get(v, MODEL_SEED),
                        get(v, UPDATER), get(v, LEARNING_RATE), get(v, LEARNING_RATE_DECAY), get(v, MOMENTUM),
                        get(v, RHO), get(v, BETA1), get(v, BETA2), get(v, L1), get(v, L2), get(v, GRADIENT_CLIPPING),
                        get(v, CLIPPING_THRESHOLD)),
                new TrainConfig.Training(get(v, EPOCHS), get(v, BATCH_SIZE), get(v, MAX_BATCHES),
                        get(v, REPORT_EVERY), get(v, ROUND_TIMEOUT), get(v, EARLY_STOPPING_PATIENCE),
                        get(v, EARLY_STOPPING_MIN_DELTA)),
                new TrainConfig.Gan(get(v, NOISE_SIZE), get(v, DISCRIMINATOR_STEPS), get(v, SAMPLE_GRID),
                        get(v, CLASSIFIER), get(v, CLASSIFIER_MIN_ACCURACY), get(v, QUALITY_SAMPLES)),
                new TrainConfig.Sync(get(v, STRATEGY), get(v, WORKERS), get(v, AVERAGING_FREQUENCY), get(v, PREFETCH),
                        get(v, AVERAGE_UPDATER), get(v, ALLREDUCE_STEPS),
                        new TrainConfig.Sharing(get(v, CONTROLLER_ADDRESS), get(v, NETWORK_MASK),
                                get(v, NETWORK_INTERFACE), get(v, PORTS), get(v, MESH_MODE), get(v, WORKERS_PER_NODE),
                                get(v, BATCHES_PER_FIT), get(v, NETWORK_TIMEOUT),
                                get(v, THRESHOLD_ALGORITHM), get(v, THRESHOLD), get(v, MIN_SPARSITY),
                                get(v, MAX_SPARSITY), get(v, TARGET_SPARSITY), get(v, THRESHOLD_DECAY),
                                get(v, RESIDUAL_CLIP), get(v, RESIDUAL_CLIP_EVERY),
                                get(v, STATISTICS_BATCHES))),
                new TrainConfig.Spark(get(v, MASTER), get(v, APP_NAME), sparkConf, get(v, EXECUTOR_OFFHEAP),
                        get(v, CONTAINER_LIMIT), get(v, SECRET_FILE)),
                new TrainConfig.Retrain(get(v, REGISTRY_ROOT), get(v, REGISTRY_MODEL), get(v, MIN_ACCURACY),
                        get(v, MIN_ACCURACY_DELTA), get(v, FINE_TUNE_RATE), get(v, WARM_START_OPTIMIZER), get(v, LEASE_SECONDS)));
    }

    /** Every setting at its default. */
    public static Config defaults() {
        Config config = ConfigFactory.empty();
        for (Param<?> param : ALL) {
            config = config.withValue(param.key(), ConfigValueFactory.fromAnyRef(param.defaultValue(), "default"));
        }
        return config;
    }

    /** The resolved config as HOCON; {@link #parse} reads it back to an equal config. */
    public static String render(TrainConfig config) {
        Config out = ConfigFactory.empty();
        for (Param<?> param : ALL) {
            out = out.withValue(param.key(), ConfigValueFactory.fromAnyRef(param.valueIn(config)));
        }
        for (Map.Entry<String, String> e : config.spark().conf().entrySet()) {
            out = out.withValue(SPARK_CONF_PREFIX + ConfigUtil.quoteString(e.getKey()),
                    ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        return out.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    }

    private static String suggestion(String unknown) {
        return KNOWN_KEYS.stream()
                .min(Comparator.comparingInt(known -> editDistance(known, unknown)))
                .filter(best -> editDistance(best, unknown) <= Math.max(2, unknown.length() / 4))
                .map(best -> "; did you mean '" + best + "'?")
                .orElse("; see the config reference in docs/configuration.md");
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
