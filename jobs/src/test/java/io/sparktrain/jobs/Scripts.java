package io.sparktrain.jobs;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the repository's submit/ scripts from integration tests, against the jar Maven just packaged. */
final class Scripts {
    private Scripts() {}

    /** A loopback port nothing listens on right now. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Starts {@code command} (its first word relative to the repository) with its output in {@code log},
     * on the jar Maven just packaged.
     */
    static Process start(Path log, Map<String, String> environment, String... command) throws IOException {
        ProcessBuilder builder = builder(ConfigLoaderPaths.repo(), log, command);
        builder.environment().put("SPARKTRAIN_SKIP_BUILD", "1");
        builder.environment().putAll(environment);
        return builder.start();
    }

    /**
     * Starts {@code command} of the checkout in {@code repo}, in that directory, as a user would: the
     * script builds the job jar first when it finds it missing or stale.
     */
    static Process startIn(Path repo, Path log, String... command) throws IOException {
        return builder(repo, log, command).directory(repo.toFile()).start();
    }

    private static ProcessBuilder builder(Path repo, Path log, String... command) {
        List<String> line = new ArrayList<>(List.of(command));
        line.set(0, repo.resolve(command[0]).toString());
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("SPARKTRAIN_SKIP_BUILD");
        builder.environment().put("SPARKTRAIN_HEAP", "2g");
        builder.environment().remove("SPARK_HOME");
        return builder;
    }

    /** Waits for {@code process}; returns its exit code. */
    static int finish(Process process, Path log, long timeoutMinutes) throws InterruptedException {
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("did not finish in " + timeoutMinutes + " minutes:\n" + read(log));
        }
        return process.exitValue();
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
