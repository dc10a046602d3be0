package io.sparktrain.trainer.reproduce;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
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
 *              { metric = updates, at-most = 302, why = "..." } ]      # a bound
 *   plots = [loss, fit]           # loss: the loss of every step; fit: data and predictions, one feature
 *   variants = [ { name = online, set { training.batch-size-per-worker = 1 } } ]
 * }
 * </pre>
 *
 * Variants train the same example with some keys changed, each checked on its own, and share one
 * loss plot of the mean loss per epoch.
 */
public record Example(String name, String variant, Path file, String title, String reference, TrainConfig config,
        boolean train, Map<String, double[][]> parameters, List<Check> checks, List<String> plots) {
    public static final String SECTION = "reproduce";
    public static final List<String> PLOTS = List.of("loss", "fit");
    private static final Set<String> SECTION_KEYS = Set.of("title", "reference", "train", "parameters", "checks",
            "plots", "variants");
    private static final Set<String> CHECK_KEYS = Set.of("metric", "expected", "tolerance", "at-most", "why", "input",
            "output", "param");

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
        for (Map.Entry<String, Config> variant : reader.variants().entrySet()) {
            TrainConfig config = ConfigLoader.resolve(variant.getValue().withFallback(job), overrides);
            examples.add(reader.example(variant.getKey(), config));
        }
        if (!reader.problems.isEmpty()) {
            throw new InvalidConfigException(reader.problems.stream().distinct().toList());
        }
        return examples;
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

    /** Collects every problem of a reproduce section instead of stopping at the first. */
    private static final class Reader {
        private final Path file;
        private final Config section;
        private final List<String> problems = new ArrayList<>();

        Reader(Path file, Config section) {
            this.file = file;
            this.section = section;
        }

        /** Each variant's changed keys by name; one unnamed variant changing nothing when there are none. */
        Map<String, Config> variants() {
            Map<String, Config> variants = new LinkedHashMap<>();
            if (!section.hasPath("variants")) {
                variants.put("", ConfigFactory.empty());
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
                String name = text(variant, "name", where);
                if (!variant.hasPath("set") || variant.getValue("set").valueType() != ConfigValueType.OBJECT) {
                    problem(where + ".set", "expected the keys this variant changes, set { key = value }");
                } else if (variants.put(name, variant.getConfig("set")) != null) {
                    problem(where + ".name", "'" + name + "' names two variants");
                }
            }
            if (variants.isEmpty()) {
                problem("variants", "expected at least one variant");
                variants.put("", ConfigFactory.empty());
            }
            return variants;
        }

        Example example(String variant, TrainConfig config) {
            for (String key : section.root().keySet()) {
                if (!SECTION_KEYS.contains(key)) {
                    problem(key, "unknown key; known: " + SECTION_KEYS);
                }
            }
            String title = text(section, "title", null);
            String reference = text(section, "reference", null);
            boolean train = !section.hasPath("train") || bool(section, "train");
            Map<String, double[][]> parameters = new LinkedHashMap<>();
            if (section.hasPath("parameters")) {
                ConfigObject object = section.getObject("parameters");
                for (String name : object.keySet()) {
                    double[][] matrix = matrix(object.get(name), "parameters." + name);
                    if (matrix != null) {
                        parameters.put(name, matrix);
                    }
                }
            }
            List<Check> checks = new ArrayList<>();
            if (!section.hasPath("checks") || section.getValue("checks").valueType() != ConfigValueType.LIST) {
                problem("checks", "expected a list of checks [ { metric = ..., expected = ..., tolerance = ..., "
                        + "why = ... } ]");
            } else {
                ConfigList list = section.getList("checks");
                for (int i = 0; i < list.size(); i++) {
                    Check check = check(list.get(i), "checks[" + i + "]");
                    if (check != null) {
                        checks.add(check);
                    }
                }
            }
            List<String> plots = new ArrayList<>();
            if (section.hasPath("plots")) {
                for (ConfigValue plot : section.getList("plots")) {
                    String name = String.valueOf(plot.unwrapped());
                    if (PLOTS.contains(name)) {
                        plots.add(name);
                    } else {
                        problem("plots", "'" + name + "' is not one of " + PLOTS);
                    }
                }
            }
            return new Example(nameOf(file), variant, file, title, reference, config, train, parameters, checks, plots);
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
            boolean atMost = check.hasPath("at-most");
            if (atMost && (check.hasPath("expected") || check.hasPath("tolerance"))) {
                problem(where + ".at-most", "a bound takes neither expected nor tolerance");
            }
            List<Double> expected = numbers(check, atMost ? "at-most" : "expected", where);
            double tolerance = atMost ? 0 : check.hasPath("tolerance") ? number(check, "tolerance", where) : Double.NaN;
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
            return new Check(metric, expected, tolerance, why, input, output, param, atMost);
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
