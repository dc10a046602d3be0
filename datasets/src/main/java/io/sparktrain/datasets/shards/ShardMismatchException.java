package io.sparktrain.datasets.shards;

import java.io.IOException;
import java.net.URI;
import java.util.List;

/** An export whose files no longer match its manifest. */
public final class ShardMismatchException extends IOException {
    public ShardMismatchException(URI directory, List<String> problems) {
        super(directory + "/" + ShardManifest.FILE_NAME + " no longer matches its files:\n  "
                + String.join("\n  ", problems)
                + "\nDelete " + directory + " to export the shards again.");
    }
}
