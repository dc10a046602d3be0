package io.sparktrain.trainer.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One setting: its key, what it means, its default, which values are allowed and where it lives
 * in {@link TrainConfig}. Every key, default and help text comes from these definitions, in
 * {@link ConfigSchema}; nothing else declares them.
 */
public final class Param<T> {
    private final String key;
    private final String doc;
    private final T defaultValue;
    private final BiFunction<Config, String, T> reader;
    private final Predicate<T> valid;
    private final String allowed;
    private final Function<TrainConfig, T> getter;

    private Param(String key, String doc, T defaultValue, BiFunction<Config, String, T> reader, Predicate<T> valid,
            String allowed, Function<TrainConfig, T> getter) {
        this.key = key;
        this.doc = doc;
        this.defaultValue = defaultValue;
        this.reader = reader;
        this.valid = valid;
        this.allowed = allowed;
        this.getter = getter;
        if (!valid.test(defaultValue)) {
            throw new IllegalStateException(key + ": default " + defaultValue + " is not " + allowed);
        }
    }

    static Param<Integer> integer(String key, int defaultValue, int min, int max, String doc,
            Function<TrainConfig, Integer> getter) {
        return new Param<>(key, doc, defaultValue, Config::getInt, v -> v >= min && v <= max,
                "an integer in [" + min + ", " + max + "]", getter);
    }

    static Param<Long> longInteger(String key, long defaultValue, String doc, Function<TrainConfig, Long> getter) {
        return new Param<>(key, doc, defaultValue, Config::getLong, v -> true, "an integer", getter);
    }

    static Param<Double> decimal(String key, double defaultValue, double min, double max, boolean minInclusive,
            String doc, Function<TrainConfig, Double> getter) {
        return new Param<>(key, doc, defaultValue, Config::getDouble,
                v -> (minInclusive ? v >= min : v > min) && v <= max && Double.isFinite(v),
                "a number in " + (minInclusive ? "[" : "(") + min + ", " + max + "]", getter);
    }

    static Param<Boolean> bool(String key, boolean defaultValue, String doc, Function<TrainConfig, Boolean> getter) {
        return new Param<>(key, doc, defaultValue, Config::getBoolean, v -> true, "true or false", getter);
    }

    static Param<String> text(String key, String defaultValue, String doc, Function<TrainConfig, String> getter) {
        return new Param<>(key, doc, defaultValue, Config::getString, v -> !v.isBlank(), "a non-empty string", getter);
    }

    static Param<String> pattern(String key, String defaultValue, String regex, String allowed, String doc,
            Function<TrainConfig, String> getter) {
        return new Param<>(key, doc, defaultValue, Config::getString, v -> v.matches(regex), allowed, getter);
    }

    /**
     * A list of integers, written as a HOCON list ({@code [6, 10, 6]}) or, from the command line, as
     * {@code 6,10,6}; {@code []} or an empty string is the empty list.
     */
    static Param<List<Integer>> intList(String key, List<Integer> defaultValue, int min, int max, String doc,
            Function<TrainConfig, List<Integer>> getter) {
        return new Param<>(key, doc, List.copyOf(defaultValue), Param::readIntList,
                v -> v.stream().allMatch(i -> i >= min && i <= max),
                "a list of integers in [" + min + ", " + max + "], such as [6, 10, 6]", getter);
    }

    private static List<Integer> readIntList(Config config, String key) {
        if (config.getValue(key).valueType() == ConfigValueType.LIST) {
            return List.copyOf(config.getIntList(key));
        }
        String text = config.getString(key).strip();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1).strip();
        }
        if (text.isEmpty()) {
            return List.of();
        }
        try {
            return Arrays.stream(text.split(",")).map(String::strip).map(Integer::valueOf).toList();
        } catch (NumberFormatException e) {
            throw new ConfigException.BadValue(key, "not a list of integers");
        }
    }

    /**
     * Rows of numbers, written as a HOCON list of lists ({@code [[1, 2], [3, 4]]}), also from the command
     * line; {@code []} is no rows.
     */
    static Param<List<List<Double>>> matrix(String key, String doc, Function<TrainConfig, List<List<Double>>> getter) {
        return new Param<>(key, doc, List.of(), Param::readMatrix, v -> true, "a list of rows of numbers, such as "
                + "[[1, 2], [3, 4]]", getter);
    }

    private static List<List<Double>> readMatrix(Config config, String key) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() == ConfigValueType.STRING) {
            try {
                value = ConfigFactory.parseString("v = " + config.getString(key)).getValue("v");
            } catch (ConfigException e) {
                throw new ConfigException.BadValue(key, "not a list of rows");
            }
        }
        if (value.valueType() != ConfigValueType.LIST) {
            throw new ConfigException.BadValue(key, "not a list of rows");
        }
        List<List<Double>> rows = new ArrayList<>();
        for (ConfigValue row : (ConfigList) value) {
            if (row.valueType() != ConfigValueType.LIST) {
                throw new ConfigException.BadValue(key, "a row is not a list");
            }
            List<Double> numbers = new ArrayList<>();
            for (ConfigValue number : (ConfigList) row) {
                if (number.valueType() != ConfigValueType.NUMBER) {
                    throw new ConfigException.BadValue(key, "not a number");
                }
                numbers.add(((Number) number.unwrapped()).doubleValue());
            }
            rows.add(List.copyOf(numbers));
        }
        return List.copyOf(rows);
    }

    static Param<String> choice(String key, String defaultValue, List<String> choices, String doc,
            Function<TrainConfig, String> getter) {
        return new Param<>(key, doc, defaultValue, Config::getString, choices::contains, "one of " + String.join(", ", choices),
                getter);
    }

    public String key() {
        return key;
    }

    public String doc() {
        return doc;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String allowed() {
        return allowed;
    }

    /** Whether {@code value} is allowed, as {@link #allowed} describes. */
    public boolean accepts(T value) {
        return valid.test(value);
    }

    public T valueIn(TrainConfig config) {
        return getter.apply(config);
    }

    /** Reads and checks this setting; a problem is reported with the key, the value, its origin and what is allowed. */
    T read(Config config) {
        ConfigValue raw = config.getValue(key);
        T value;
        try {
            value = reader.apply(config, key);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw problem(raw, "expected " + allowed);
        }
        if (!valid.test(value)) {
            throw problem(raw, "expected " + allowed);
        }
        return value;
    }

    private InvalidConfigException problem(ConfigValue raw, String expectation) {
        return new InvalidConfigException(String.format(Locale.ROOT, "%s = %s (%s): %s", key,
                raw.render(ConfigRenderOptions.concise()), raw.origin().description(), expectation));
    }
}
