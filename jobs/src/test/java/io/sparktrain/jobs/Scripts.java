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

    /** Starts {@code command} (its first word relative to the repository) with its output in {@code log}. */
    static Process start(Path log, Map<String, String> environment, String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of(command));
        line.set(0, ConfigLoaderPaths.repo().resolve(command[0]).toString());
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPARKTRAIN_SKIP_BUILD", "1");
        builder.environment().put("SPARKTRAIN_HEAP", "2g");
        builder.environment().remove("SPARK_HOME");
        builder.environment().putAll(environment);
        return builder.start();
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
