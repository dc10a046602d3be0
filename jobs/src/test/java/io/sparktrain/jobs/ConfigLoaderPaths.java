package io.sparktrain.jobs;

import java.nio.file.Path;

/** Where the repository's own files (conf/, README.md, submit/) are during tests. */
final class ConfigLoaderPaths {
    private ConfigLoaderPaths() {}

    static Path repo() {
        return Path.of(System.getProperty("sparktrain.repo.root", "..")).toAbsolutePath().normalize();
    }
}
