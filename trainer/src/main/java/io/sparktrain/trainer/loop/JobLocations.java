package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.TrainConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a job's files are, resolved from the config once: runs, shards, the dataset cache and the
 * dataset's original files when they are not fetched.
 */
public record JobLocations(URI runRoot, URI shardRoot, Path cacheDir, Optional<Path> sourceDir) {

    public static JobLocations of(TrainConfig config) {
        URI runRoot = Storage.toUri(config.run().root());
        String source = config.data().sourceDir();
        return new JobLocations(runRoot, Storage.resolve(runRoot, config.data().shardDir()),
                expandHome(config.data().cacheDir()).toAbsolutePath(),
                source.isEmpty() ? Optional.empty() : Optional.of(expandHome(source).toAbsolutePath()));
    }

    private static Path expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home"), path.substring(1).replaceFirst("^/", ""));
        }
        return Path.of(path);
    }
}
