package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.TrainConfig;
import java.net.URI;
import java.nio.file.Path;

/** Where a job's files go, resolved from the config once: runs, shards and the dataset cache. */
record JobLocations(URI runRoot, URI shardRoot, Path cacheDir) {

    static JobLocations of(TrainConfig config) {
        URI runRoot = Storage.toUri(config.run().root());
        return new JobLocations(runRoot, Storage.resolve(runRoot, config.data().shardDir()),
                expandHome(config.data().cacheDir()).toAbsolutePath());
    }

    private static Path expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home"), path.substring(1).replaceFirst("^/", ""));
        }
        return Path.of(path);
    }
}
