package io.sparktrain.trainer.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A stand-in for nvidia-smi that answers the queries this project makes with a fixed machine. */
public final class FakeNvidiaSmi {
    private FakeNvidiaSmi() {}

    /**
     * @param gpus lines of {@code index, name, compute_cap}, as the real one prints them
     */
    public static Path write(Path dir, String... gpus) throws IOException {
        StringBuilder full = new StringBuilder();
        StringBuilder indices = new StringBuilder();
        for (String gpu : gpus) {
            full.append(gpu).append('\n');
            indices.append(gpu.split(",")[0].strip()).append('\n');
        }
        Path script = dir.resolve("nvidia-smi");
        Files.writeString(script, """
                #!/bin/sh
                case "$1" in
                  --query-gpu=index) printf '%s' '%s' ;;
                  --query-gpu=index,name,compute_cap) printf '%s' '%s' ;;
                  *) echo "fake nvidia-smi: unsupported arguments $*" >&2; exit 2 ;;
                esac
                """.formatted("%s", indices, "%s", full));
        if (!script.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + script + " executable");
        }
        return script;
    }
}
