package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.registry.AliasChange;
import io.sparktrain.trainer.registry.Lease;
import io.sparktrain.trainer.registry.ModelRegistry;
import io.sparktrain.trainer.registry.ModelVersion;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Looks at and changes the model registry by hand: lists models, shows a model's versions and
 * champion history, registers a finished run as a new version, promotes a version to champion and
 * rolls the champion back. Changes take the model's lock. Exit codes: {@link ExitCode}.
 */
public final class RegistryJob {
    static final String SYNOPSIS = """
            usage: registry list
                   registry show MODEL
                   registry register MODEL --run RUN [--epoch N] [--run-root DIR]
                   registry promote MODEL VERSION --reason TEXT
                   registry rollback MODEL --reason TEXT
            each with [--registry-root DIR]""";
    private static final Option RUN = Option.single("--run", "RUN",
            "register: a run of submit/train, its id under --run-root or its directory");
    private static final Option EPOCH = Option.single("--epoch", "N",
            "register: the epoch whose checkpoint to register (default: the run's last)");
    private static final Option REASON = Option.single("--reason", "TEXT",
            "promote, rollback: why, kept in the champion's history (required)");
    private static final Option REGISTRY_ROOT = Option.single("--registry-root", "DIR",
            "where the registry lives, as registry/ below it (path or URI; default: the working directory)");
    private static final List<Option> OPTIONS = List.of(RUN, EPOCH, REASON, REGISTRY_ROOT, JobArguments.RUN_ROOT);
    private static final List<String> ACTIONS = List.of("list", "show", "register", "promote", "rollback");
    /** A change by hand takes seconds; a lease this long outlives nothing that matters if the job dies. */
    private static final Duration LEASE = Duration.ofMinutes(5);

    private RegistryJob() {}

    /** The action, its model and version, and the options. */
    record Request(String action, List<String> operands, Optional<String> run, Optional<Integer> epoch,
            Optional<String> reason, String registryRoot, String runRoot) {

        static Optional<Request> parse(String... args) {
            int operands = 0;
            while (operands < args.length && !args[operands].startsWith("--")) {
                operands++;
            }
            CommandLine line = CommandLine.parse(SYNOPSIS, OPTIONS, Arrays.copyOfRange(args, operands, args.length));
            if (line.has(CommandLine.HELP.name())) {
                System.out.print(line.usage());
                return Optional.empty();
            }
            if (operands == 0 || !ACTIONS.contains(args[0])) {
                throw line.problem(operands == 0 ? "an action is required: " + String.join(", ", ACTIONS)
                        : "unknown action '" + args[0] + "': expected " + String.join(", ", ACTIONS));
            }
            String action = args[0];
            List<String> given = List.of(Arrays.copyOfRange(args, 1, operands));
            int expected = switch (action) {
                case "list" -> 0;
                case "promote" -> 2;
                default -> 1;
            };
            if (given.size() != expected) {
                throw line.problem(action + " takes " + (expected == 0 ? "no model" : expected == 1 ? "MODEL"
                        : "MODEL VERSION") + ", got " + (given.isEmpty() ? "none" : given));
            }
            if (!given.isEmpty()) {
                ModelRegistry.checkName("model", given.get(0));
            }
            if (action.equals("promote") && !given.get(1).matches("\\d{1,9}")) {
                throw line.problem("promote " + given.get(0) + " " + given.get(1) + ": the version is a number");
            }
            if (List.of("promote", "rollback").contains(action) && !line.has(REASON.name())) {
                throw line.problem(action + " needs --reason: the champion's history keeps why it changed");
            }
            if (action.equals("register") && !line.has(RUN.name())) {
                throw line.problem("register needs --run: the run whose checkpoint becomes the new version");
            }
            return Optional.of(new Request(action, given, line.value(RUN.name()),
                    line.number(EPOCH.name(), 1, Integer.MAX_VALUE).map(Long::intValue), line.value(REASON.name()),
                    line.value(REGISTRY_ROOT.name()).orElse("."),
                    JobArguments.runRoot(line)));
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("change the registry", args, Request::parse, RegistryJob::run);
    }

    static void run(Request request) throws IOException {
        Storage storage = JobArguments.storage();
        ModelRegistry registry = new ModelRegistry(storage, Storage.toUri(request.registryRoot()));
        Clock clock = Clock.systemUTC();
        if (!request.operands().isEmpty() && !request.action().equals("register")
                && !registry.models().contains(request.operands().get(0))) {
            throw new InvalidConfigException("no model " + request.operands().get(0) + " in "
                    + Storage.display(registry.directory()) + "; it has " + registry.models());
        }
        switch (request.action()) {
            case "list" -> System.out.print(list(registry));
            case "show" -> System.out.print(show(registry, request.operands().get(0)));
            default -> {
                String model = request.operands().get(0);
                // Read and checked before the lock: a bad run leaves the registry as it was.
                Optional<ModelRegistry.NewVersion> registration = request.action().equals("register")
                        ? Optional.of(registration(storage, request)) : Optional.empty();
                try (Lease lease = registry.lock(model, "submit/registry " + request.action(), "", LEASE, clock)) {
                    System.out.println(change(registry, request, model, registration, clock));
                }
            }
        }
    }

    private static String change(ModelRegistry registry, Request request, String model,
            Optional<ModelRegistry.NewVersion> registration, Clock clock) throws IOException {
        return switch (request.action()) {
            case "register" -> {
                ModelVersion version = registry.add(model, registration.orElseThrow(), clock);
                yield "Registered run " + version.runId() + " epoch " + version.epoch() + " as " + version.reference()
                        + "; promote it with: submit/registry promote " + model + " " + version.version()
                        + " --reason ...";
            }
            case "promote" -> {
                AliasChange change = registry.setAlias(model, ModelRegistry.CHAMPION,
                        Integer.parseInt(request.operands().get(1)), request.reason().orElseThrow(), clock);
                yield model + "@champion is version " + change.version() + " (was " + change.previous() + ")";
            }
            default -> {
                AliasChange change = registry.rollback(model, ModelRegistry.CHAMPION, request.reason().orElseThrow(),
                        clock);
                yield model + "@champion is back at version " + change.version() + " (was " + change.previous() + ")";
            }
        };
    }

    /** A finished run's checkpoint as the model's next version, judged by no gate: blessed only by a promotion. */
    private static ModelRegistry.NewVersion registration(Storage storage, Request request) throws IOException {
        RunDirectory run = JobArguments.runNamed(storage, request.runRoot(), request.run().orElseThrow());
        int epoch = run.chosenCheckpoint(request.epoch());
        storage.verifyChecksum(run.checkpointUri(epoch));
        Map<String, Object> evaluation = Map.of();
        for (String line : run.metricLines(epoch)) {
            if (MetricsLine.numberOf(line, "epoch") == epoch) {
                evaluation = Map.of("accuracy", MetricsLine.numberOf(line, "test_accuracy"), "holdout",
                        "the run's own test set");
            }
        }
        return new ModelRegistry.NewVersion(run.checkpointUri(epoch), run.readConfig(), run.readClasses(), run.id(),
                epoch, null, "run " + run.id(), evaluation, false,
                List.of("registered by hand from run " + run.id() + " epoch " + epoch + "; no gate judged it"));
    }

    private static String list(ModelRegistry registry) throws IOException {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-30s %9s %9s%n", "model", "versions",
                "champion"));
        for (String model : registry.models()) {
            out.append(String.format(Locale.ROOT, "%-30s %9d %9s%n", model, registry.versions(model).size(),
                    registry.alias(model, ModelRegistry.CHAMPION).map(a -> String.valueOf(a.version())).orElse("-")));
        }
        return out.toString();
    }

    private static String show(ModelRegistry registry, String model) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-8s %-12s %-40s %6s %9s %-24s", "version", "judged", "run", "epoch",
                "accuracy", "created"));
        for (int number : registry.versions(model)) {
            ModelVersion v = registry.version(model, number);
            Object accuracy = v.evaluation().get("accuracy");
            lines.add(String.format(Locale.ROOT, "%-8d %-12s %-40s %6d %9s %-24s", number,
                    v.blessed() ? "BLESSED" : "NOT_BLESSED", v.runId(), v.epoch(),
                    accuracy instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "-",
                    v.createdAt()));
        }
        lines.add("");
        lines.add("champion history:");
        for (AliasChange change : registry.aliasHistory(model, ModelRegistry.CHAMPION)) {
            lines.add(String.format(Locale.ROOT, "  %s  version %d (was %s): %s", change.at(), change.version(),
                    change.previous() == null ? "none" : change.previous(), change.reason()));
        }
        return String.join("\n", lines) + "\n";
    }
}
