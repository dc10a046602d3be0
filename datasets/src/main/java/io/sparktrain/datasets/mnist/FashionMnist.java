package io.sparktrain.datasets.mnist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zalando's Fashion-MNIST: MNIST's format and sizes, ten kinds of clothing. Read from a directory
 * holding its four IDX files, gzipped as distributed or not, by default where Debian's
 * {@code dataset-fashion-mnist} package installs them; verified and kept uncompressed in the cache.
 */
public final class FashionMnist {
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /**
     * MD5 of each file's uncompressed content as published with the dataset. Zalando publishes the
     * checksums of its .gz files too, but Debian recompressed them, so only the content compares.
     */
    static final Map<Mnist.File, String> MD5 = Map.of(
            Mnist.File.TRAIN_IMAGES, "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            Mnist.File.TRAIN_LABELS, "9018921c3c673c538a1fc5bad174d6f9",
            Mnist.File.TEST_IMAGES, "8181f5470baa50b63fa0f6fddb340f0a",
            Mnist.File.TEST_LABELS, "15d484375f8d13e6eb1aabb0c3f46965");
    private static final Logger log = LoggerFactory.getLogger(FashionMnist.class);

    private final VerifiedCopy cache;
    private final Path source;
    private final String sourceSetting;

    /**
     * @param sourceDir where the files are; empty for {@link #DEBIAN_DIR}
     * @param sourceSetting the job setting that names {@code sourceDir}, for error messages
     */
    public FashionMnist(Path cacheDir, Optional<Path> sourceDir, String sourceSetting) {
        this.cache = new VerifiedCopy("Fashion-MNIST", cacheDir.resolve("fashion-mnist"), MD5);
        this.source = sourceDir.orElse(DEBIAN_DIR);
        this.sourceSetting = sourceSetting;
    }

    /** The verified copy in the cache, made from the source directory first if needed. */
    public Mnist load() throws IOException {
        if (cache.unverifiedFiles().isEmpty()) {
            return new Mnist("fashion-mnist", cache.directory());
        }
        Map<Mnist.File, Path> files = new EnumMap<>(Mnist.File.class);
        List<String> missing = new ArrayList<>();
        for (Mnist.File file : Mnist.File.values()) {
            Path plain = source.resolve(file.fileName);
            Path gzipped = source.resolve(file.fileName + ".gz");
            if (Files.isRegularFile(plain)) {
                files.put(file, plain);
            } else if (Files.isRegularFile(gzipped)) {
                files.put(file, gzipped);
            } else {
                missing.add(file.fileName + "[.gz]");
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("Fashion-MNIST not found: " + source + " has no " + String.join(", ", missing)
                    + ". Install Debian's dataset-fashion-mnist package, which puts the files in " + DEBIAN_DIR
                    + ", or set " + sourceSetting + " to a directory holding the four IDX files, gzipped or not");
        }
        log.info("Verifying Fashion-MNIST from {} into {}", source, cache.directory());
        Path staging = cache.newStaging();
        try {
            cache.install(staging, files, source.toString());
        } finally {
            VerifiedCopy.deleteRecursively(staging);
        }
        return new Mnist("fashion-mnist", cache.directory());
    }
}
