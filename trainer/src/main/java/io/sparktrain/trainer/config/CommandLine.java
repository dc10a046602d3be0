package io.sparktrain.trainer.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The command line of every job, parsed one way: each job declares its options once, with the help
 * text its usage is made of. A problem (an unknown option, a missing or malformed value, an option
 * given twice) is an {@link InvalidConfigException} that names the option and what it takes, and
 * shows the usage.
 */
public final class CommandLine {
    public static final Option HELP = Option.flag("--help", "print this help and exit");

    /**
     * One option: {@code --name VALUE}, repeatable or not, or a flag without a value.
     *
     * @param value what the value is, as the usage shows it; empty for a flag
     */
    public record Option(String name, String value, boolean repeatable, String doc) {
        public static Option flag(String name, String doc) {
            return new Option(name, "", false, doc);
        }

        public static Option single(String name, String value, String doc) {
            return new Option(name, value, false, doc);
        }

        public static Option repeatable(String name, String value, String doc) {
            return new Option(name, value, true, doc);
        }

        boolean takesValue() {
            return !value.isEmpty();
        }
    }

    private final String usage;
    private final Map<String, List<String>> given;
    private final List<String> operands;

    private CommandLine(String usage, Map<String, List<String>> given, List<String> operands) {
        this.usage = usage;
        this.given = given;
        this.operands = operands;
    }

    /**
     * Parses {@code args} against {@code options} ({@code --help} is always known).
     *
     * @param synopsis the usage lines above the options, e.g. {@code usage: train --config FILE ...}
     */
    public static CommandLine parse(String synopsis, List<Option> options, String... args) {
        return parse(synopsis, options, false, args);
    }

    /** {@link #parse} for a command that also takes operands, such as run ids, among its options. */
    public static CommandLine parseWithOperands(String synopsis, List<Option> options, String... args) {
        return parse(synopsis, options, true, args);
    }

    private static CommandLine parse(String synopsis, List<Option> options, boolean takesOperands, String... args) {
        String usage = usage(synopsis, options);
        Map<String, Option> known = new LinkedHashMap<>();
        known.put(HELP.name(), HELP);
        options.forEach(option -> known.put(option.name(), option));
        Map<String, List<String>> given = new LinkedHashMap<>();
        List<String> operands = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            Option option = known.get(args[i]);
            if (option == null && takesOperands && !args[i].startsWith("-")) {
                operands.add(args[i]);
                continue;
            }
            if (option == null) {
                throw new InvalidConfigException("unknown argument '" + args[i] + "'" + suggestion(args[i], known)
                        + "\n" + usage);
            }
            if (!option.repeatable() && given.containsKey(option.name())) {
                throw new InvalidConfigException(option.name() + " is given more than once\n" + usage);
            }
            List<String> values = given.computeIfAbsent(option.name(), name -> new ArrayList<>());
            if (option.takesValue()) {
                if (i + 1 >= args.length || known.containsKey(args[i + 1])) {
                    throw new InvalidConfigException(option.name() + " needs a value: " + option.value() + "\n"
                            + usage);
                }
                values.add(args[++i]);
            }
        }
        return new CommandLine(usage, given, List.copyOf(operands));
    }

    private static String suggestion(String arg, Map<String, Option> known) {
        String bare = arg.replaceFirst("^-+", "").split("=", 2)[0].toLowerCase(Locale.ROOT);
        return known.keySet().stream().filter(name -> !bare.isEmpty() && name.substring(2).equals(bare)).findFirst()
                .map(name -> "; did you mean '" + name + "'" + (arg.contains("=") ? " followed by its value" : "")
                        + "?")
                .orElse("");
    }

    /** The usage: the synopsis, then one line per option with its help. */
    public static String usage(String synopsis, List<Option> options) {
        List<Option> all = new ArrayList<>(options);
        all.add(HELP);
        int width = all.stream().mapToInt(o -> label(o).length()).max().orElse(0) + 3;
        StringBuilder text = new StringBuilder(synopsis.strip()).append('\n');
        for (Option option : all) {
            String label = label(option);
            String[] lines = option.doc().split("\n");
            text.append("  ").append(label).append(" ".repeat(width - label.length())).append(lines[0]).append('\n');
            for (int i = 1; i < lines.length; i++) {
                text.append(" ".repeat(width + 2)).append(lines[i]).append('\n');
            }
        }
        return text.toString();
    }

    private static String label(Option option) {
        return option.takesValue() ? option.name() + " " + option.value() : option.name();
    }

    /** The arguments that are not options, in order; always empty unless parsed {@link #parseWithOperands}. */
    public List<String> operands() {
        return operands;
    }

    public String usage() {
        return usage;
    }

    public boolean has(String name) {
        return given.containsKey(name);
    }

    /** The value of an option given at most once. */
    public Optional<String> value(String name) {
        List<String> values = given.getOrDefault(name, List.of());
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Every value of a repeatable option, in order. */
    public List<String> values(String name) {
        return List.copyOf(given.getOrDefault(name, List.of()));
    }

    /** The whole number {@code name} holds, if given; a problem naming the option unless it is in [min, max]. */
    public Optional<Long> number(String name, long min, long max) {
        return parsed(name, Long::parseLong, n -> n >= min && n <= max,
                "a whole number in [" + min + ", " + max + "]");
    }

    /** The number {@code name} holds, if given; a problem naming the option unless it is in [min, max]. */
    public Optional<Double> decimal(String name, double min, double max) {
        return parsed(name, Double::parseDouble, n -> n >= min && n <= max,
                "a number in [" + plain(min) + ", " + plain(max) + "]");
    }

    /** The value of {@code name} as {@code parse} reads it, if given; a problem saying what was {@code expected}. */
    private <T> Optional<T> parsed(String name, Function<String, T> parse, Predicate<T> allowed, String expected) {
        Optional<String> text = value(name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            T parsed = parse.apply(text.get().strip());
            if (allowed.test(parsed)) {
                return Optional.of(parsed);
            }
        } catch (NumberFormatException e) {
            // reported below with what is allowed
        }
        throw problem(name + " " + text.get() + ": expected " + expected);
    }

    /** 1 rather than 1.0. */
    private static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** A problem with this command line: {@code message}, then the usage. */
    public InvalidConfigException problem(String message) {
        return new InvalidConfigException(message + "\n" + usage);
    }
}
