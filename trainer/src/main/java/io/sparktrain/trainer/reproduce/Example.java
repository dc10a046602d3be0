package io.sparktrain.trainer.reproduce;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.sparktrain.datasets.Datasets;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.config.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A reproducible example: an ordinary job config plus a {@code reproduce} section holding the
 * reference's figures. The section is taken out before the job config is checked, so everything
 * else in the file is what {@code submit/train} would accept.
 *
 * <pre>
 * reproduce {
 *   title = "..."                 # what the example shows
 *   reference = "..."             # where the reference figures come from
 *   train = true                  # false: only evaluate the network as initialized and set below
 *   parameters { output_W = [[1], [2]] }    # parameter arrays set before training
 *   checks = [ { metric = loss, expected = 0.16, tolerance = 0.01, why = "..." }
 *              { metric = updates, at-most = 302, why = "..." } ]      # bounds: at-most, at-least
 *   plots = [loss, fit]           # loss: the loss of every step; fit: data and predictions, one feature;
 *                                 # accuracy: test accuracy per epoch (Spark datasets)
 *   variants = [ { name = online, set { training.batch-size-per-worker = 1 }, checks = [ ... ] } ]
 * }
 * </pre>
 *
 * Variants train the same example with some keys changed, each checked on its own: the shared
 * checks and its own. They share one loss plot of the mean loss per epoch.
 *
 * <p>An example on a table trains in this JVM; one on a Spark dataset (MNIST and the like) trains
 * as the train job does, so its checks are about the test set and it can set no parameters.
 */
public record Example(String name, String variant, Path file, String title, String reference, TrainConfig config,
        boolean train, Map<String, double[][]> parameters, List<Check> checks, List<String> plots) {
    public static final String SECTION = "reproduce";
    public static final List<String> PLOTS = List.of("loss", "fit", "accuracy");
    private static final Set<String> SECTION_KEYS = Set.of("title", "reference", "train", "parameters", "checks",
            "plots", "variants");
    private static final Set<String> CHECK_KEYS = Set.of("metric", "expected", "tolerance", "at-most", "at-least",
            "why", "input", "output", "param");
    private static final Set<String> VARIANT_KEYS = Set.of("name", "set", "checks");

    public Example {
        parameters = Map.copyOf(parameters);
        checks = List.copyOf(checks);
        plots = List.copyOf(plots);
    }

    /**
     * Reads an example file, one example per variant (one without variants); every problem in its
     * reproduce section is reported with the key and the file.
     */
    public static List<Example> load(Path file, List<String> overrides) {
        Config parsed = ConfigLoader.parseFile(file);
        if (!parsed.hasPath(SECTION)) {
            throw new InvalidConfigException(file + ": no '" + SECTION + "' section with the reference figures");
        }
        Config job = parsed.withoutPath(SECTION);
        Config section;
        try {
            section = parsed.getConfig(SECTION);
        } catch (ConfigException.WrongType e) {
            throw new InvalidConfigException(file + ": '" + SECTION + "' must be a section { ... }");
        }
        Reader reader = new Reader(file, section);
        List<Example> examples = new ArrayList<>();
        for (Map.Entry<String, Variant> variant : reader.variants().entrySet()) {
            TrainConfig config = ConfigLoader.resolve(variant.getValue().set().withFallback(job), overrides,
                    JobKind.EXAMPLE);
            examples.add(reader.example(variant.getKey(), variant.getValue(), config));
        }
        if (!reader.problems.isEmpty()) {
            throw new InvalidConfigException(reader.problems.stream().distinct().toList());
        }
        return examples;
    }

    /** Whether it trains on a small table in this JVM rather than on a Spark dataset. */
    public boolean onTable() {
        return Datasets.TABLES.contains(config.data().dataset());
    }

    /** The name in reports: the file's, and the variant's after a colon. */
    public String label() {
        return variant.isEmpty() ? name : name + ": " + variant;
    }

    /** The file name without .conf. */
    static String nameOf(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".conf") ? name.substring(0, name.length() - ".conf".length()) : name;
    }

    /** The keys a variant changes and the checks only it has; {@code where} it is in the section. */
    private record Variant(String where, Config set, List<ConfigValue> checks) {}

    /** Collects every problem of a reproduce section instead of stopping at the first. */
    private static final class Reader {
        private final Path file;
        private final Config section;
        private final List<String> problems = new ArrayList<>();

        Reader(Path file, Config section) {
            this.file = file;
            this.section = section;
        }

        /** Each variant by name; one unnamed variant changing nothing when there are none. */
        Map<String, Variant> variants() {
            Map<String, Variant> variants = new LinkedHashMap<>();
            Variant unchanged = new Variant("", ConfigFactory.empty(), List.of());
            if (!section.hasPath("variants")) {
                variants.put("", unchanged);
                return variants;
            }
            ConfigList list = section.getList("variants");
            for (int i = 0; i < list.size(); i++) {
                String where = "variants[" + i + "]";
                if (list.get(i).valueType() != ConfigValueType.OBJECT) {
                    problem(where, "expected { name = ..., set { key = value } }");
                    continue;
                }
                Config variant = ((ConfigObject) list.get(i)).toConfig();
                for (String key : variant.root().keySet()) {
                    if (!VARIANT_KEYS.contains(key)) {
                        problem(where + "." + key, "unknown key; known: " + VARIANT_KEYS);
                    }
                }
                String name = text(variant, "name", where);
                List<ConfigValue> checks = variant.hasPath("checks") ? checkList(variant, "checks", where + ".checks")
                        : List.of();
                if (!variant.hasPath("set") || variant.getValue("set").valueType() != ConfigValueType.OBJECT) {
                    problem(where + ".set", "expected the keys this variant changes, set { key = value }");
                } else if (variants.put(name, new Variant(where, variant.getConfig("set"), checks)) != null) {
                    problem(where + ".name", "'" + name + "' names two variants");
                }
            }
            if (variants.isEmpty()) {
                problem("variants", "expected at least one variant");
                variants.put("", unchanged);
            }
            return variants;
        }

        /** The list of checks under {@code key}, found at {@code path}; a problem, and none, when it is no list. */
        private List<ConfigValue> checkList(Config config, String key, String path) {
            if (config.getValue(key).valueType() != ConfigValueType.LIST) {
                problem(path, "expected a list of checks [ { metric = ..., expected = ..., tolerance = ..., "
                        + "why = ... } ]");
                return List.of();
            }
            return List.copyOf(config.getList(key));
        }

        Example example(String variantName, Variant variant, TrainConfig config) {
            boolean onTable = Datasets.TABLES.contains(config.data().dataset());
            for (String key : section.root().keySet()) {
                if (!SECTION_KEYS.contains(key)) {
                    problem(key, "unknown key; known: " + SECTION_KEYS);
                }
            }
            String title = text(section, "title", null);
            String reference = text(section, "reference", null);
            boolean train = !section.hasPath("train") || bool(section, "train");
            if (!train && !onTable) {
                problem("train", "only a table example can be evaluated untrained; " + config.data().dataset()
                        + " always trains");
            }
            Map<String, double[][]> parameters = new LinkedHashMap<>();
            if (section.hasPath("parameters") && !onTable) {
                problem("parameters", "only a table example can set parameters; " + config.data().dataset()
                        + " trains from the model's initialization");
            } else if (section.hasPath("parameters")) {
                ConfigObject object = section.getObject("parameters");
                for (String name : object.keySet()) {
                    double[][] matrix = matrix(object.get(name), "parameters." + name);
                    if (matrix != null) {
                        parameters.put(name, matrix);
                    }
                }
            }
            List<Check> checks = new ArrayList<>();
            List<ConfigValue> shared = section.hasPath("checks") ? checkList(section, "checks", "checks") : List.of();
            addChecks(checks, shared, "checks", onTable);
            addChecks(checks, variant.checks(), variant.where() + ".checks", onTable);
            // An empty list is fine (an example can be all plots); no list anywhere is a mistake.
            if (!section.hasPath("checks") && variant.checks().isEmpty()) {
                problem(variant.where().isEmpty() ? "checks" : variant.where() + ".checks",
                        "expected a list of checks [ { metric = ..., expected = ..., tolerance = ..., why = ... } ]");
            }
            List<String> plots = new ArrayList<>();
            if (section.hasPath("plots")) {
                for (ConfigValue plot : section.getList("plots")) {
                    String name = String.valueOf(plot.unwrapped());
                    if (!PLOTS.contains(name)) {
                        problem("plots", "'" + name + "' is not one of " + PLOTS);
                    } else if (name.equals("fit") && !onTable || name.equals("accuracy") && onTable) {
                        problem("plots", "'" + name + "' plots " + (onTable ? "a Spark dataset's test accuracy"
                                : "a table's rows") + "; " + config.data().dataset() + " is " + (onTable
                                ? "a table" : "not a table"));
                    } else {
                        plots.add(name);
                    }
                }
            }
            return new Example(nameOf(file), variantName, file, title, reference, config, train, parameters, checks,
                    plots);
        }

        private void addChecks(List<Check> checks, List<ConfigValue> values, String where, boolean onTable) {
            for (int i = 0; i < values.size(); i++) {
                Check check = check(values.get(i), where + "[" + i + "]");
                if (check != null && check.metric().needsTable() && !onTable) {
                    problem(where + "[" + i + "].metric", "'" + check.metric().key() + "' measures a table; "
                            + "this example trains on a Spark dataset");
                } else if (check != null) {
                    checks.add(check);
                }
            }
        }

        private Check check(ConfigValue value, String where) {
            if (value.valueType() != ConfigValueType.OBJECT) {
                problem(where, "expected { metric = ..., expected = ..., tolerance = ..., why = ... }");
                return null;
            }
            Config check = ((ConfigObject) value).toConfig();
            for (String key : check.root().keySet()) {
                if (!CHECK_KEYS.contains(key)) {
                    problem(where + "." + key, "unknown key; known: " + CHECK_KEYS);
                }
            }
            Metric metric;
            try {
                metric = Metric.of(text(check, "metric", where));
            } catch (IllegalArgumentException e) {
                problem(where + ".metric", e.getMessage());
                return null;
            }
            List<Check.Bound> bounds = Arrays.stream(Check.Bound.values())
                    .filter(b -> b != Check.Bound.NONE && check.hasPath(b.key())).toList();
            Check.Bound bound = bounds.isEmpty() ? Check.Bound.NONE : bounds.get(0);
            if (bounds.size() > 1) {
                problem(where, "a check is at-most or at-least, not both");
            }
            if (bound != Check.Bound.NONE && (check.hasPath("expected") || check.hasPath("tolerance"))) {
                problem(where + "." + bound.key(), "a bound takes neither expected nor tolerance");
            }
            List<Double> expected = numbers(check, bound.key(), where);
            double tolerance = bound != Check.Bound.NONE ? 0
                    : check.hasPath("tolerance") ? number(check, "tolerance", where) : Double.NaN;
            if (!(tolerance >= 0)) {
                problem(where + ".tolerance", "expected a number, at least 0");
            }
            String why = text(check, "why", where);
            boolean needsInput = metric == Metric.PREDICTION || metric == Metric.CLASS;
            List<Double> input = needsInput ? numbers(check, "input", where) : List.of();
            if (!needsInput && check.hasPath("input")) {
                problem(where + ".input", "applies to prediction and class only");
            }
            int output = check.hasPath("output") ? (int) number(check, "output", where) : 0;
            boolean needsParam = metric == Metric.PARAM || metric == Metric.PARAM_SUM;
            String param = needsParam ? text(check, "param", where) : "";
            if (!needsParam && check.hasPath("param")) {
                problem(where + ".param", "applies to param and param-sum only");
            }
            return new Check(metric, expected, tolerance, why, input, output, param, bound);
        }

        private String text(Config config, String key, String where) {
            String path = where == null ? key : where + "." + key;
            try {
                String value = config.getString(key);
                if (!value.isBlank()) {
                    return value;
                }
            } catch (ConfigException e) {
                // reported below
            }
            problem(path, "expected a non-empty string");
            return "";
        }

        private boolean bool(Config config, String key) {
            try {
                return config.getBoolean(key);
            } catch (ConfigException e) {
                problem(key, "expected true or false");
                return true;
            }
        }

        private double number(Config config, String key, String where) {
            try {
                return config.getDouble(key);
            } catch (ConfigException e) {
                problem(where + "." + key, "expected a number");
                return Double.NaN;
            }
        }

        private List<Double> numbers(Config config, String key, String where) {
            try {
                if (config.getValue(key).valueType() == ConfigValueType.LIST) {
                    List<Double> values = config.getDoubleList(key);
                    if (!values.isEmpty()) {
                        return values;
                    }
                } else {
                    return List.of(config.getDouble(key));
                }
            } catch (ConfigException e) {
                // reported below
            }
            problem(where + "." + key, "expected a number or a non-empty list of numbers");
            return List.of();
        }

        private double[][] matrix(ConfigValue value, String where) {
            try {
                if (value.valueType() == ConfigValueType.LIST) {
                    ConfigList rows = (ConfigList) value;
                    double[][] matrix = new double[rows.size()][];
                    for (int r = 0; r < rows.size(); r++) {
                        matrix[r] = ((ConfigList) rows.get(r)).stream()
                                .mapToDouble(v -> ((Number) v.unwrapped()).doubleValue()).toArray();
                    }
                    if (matrix.length > 0) {
                        return matrix;
                    }
                }
            } catch (ClassCastException e) {
                // reported below
            }
            problem(where, "expected rows of numbers such as [[5, -7], [5, -7]]");
            return null;
        }

        private void problem(String key, String message) {
            problems.add(file + ": " + SECTION + "." + key + ": " + message);
        }
    }
}
