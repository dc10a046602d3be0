package io.sparktrain.datasets.mnist;

import io.sparktrain.datasets.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache directory holding the four IDX files of an MNIST-format dataset, each verified against
 * the MD5 published for its uncompressed content. Files enter it only all four at once and only
 * once all four verify, so the cache never holds a mix of old and new files.
 */
final class VerifiedCopy {
    private static final Logger log = LoggerFactory.getLogger(VerifiedCopy.class);

    private final String dataset;
    private final Path directory;
    private final Map<Mnist.File, String> md5;

    VerifiedCopy(String dataset, Path directory, Map<Mnist.File, String> md5) {
        this.dataset = dataset;
        this.directory = directory;
        this.md5 = md5;
    }

    Path directory() {
        return directory;
    }

    /** The files that are missing from the cache or fail their checksum. */
    List<Mnist.File> unverifiedFiles() throws IOException {
        List<Mnist.File> bad = new ArrayList<>();
        for (Mnist.File file : Mnist.File.values()) {
            Path path = directory.resolve(file.fileName);
            if (!Files.isRegularFile(path)) {
                bad.add(file);
            } else if (!Checksums.md5(path).equals(md5.get(file))) {
                log.warn("{} fails its MD5 check (expected {}); replacing it", path, md5.get(file));
                bad.add(file);
            }
        }
        return bad;
    }

    /** What is wrong with each of {@code files}, for error messages. */
    String describe(List<Mnist.File> files) {
        List<String> parts = new ArrayList<>();
        for (Mnist.File file : files) {
            parts.add(file.fileName + (Files.exists(directory.resolve(file.fileName))
                    ? " fails its check, expected MD5 " + md5.get(file) : " is missing"));
        }
        return String.join("; ", parts);
    }

    /** A fresh directory inside the cache to assemble files in; {@link #install} empties it. */
    Path newStaging() throws IOException {
        Files.createDirectories(directory);
        return Files.createTempDirectory(directory, ".staging-");
    }

    /**
     * Copies {@code sources} (each uncompressed or gzipped, told by its name) into {@code staging},
     * verifies all four, then moves them into the cache; {@code origin} names where they came from.
     */
    void install(Path staging, Map<Mnist.File, Path> sources, String origin) throws IOException {
        for (Mnist.File file : Mnist.File.values()) {
            Path source = sources.get(file);
            Path copy = staging.resolve(file.fileName);
            if (!source.equals(copy)) {
                try (InputStream in = open(source)) {
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            String actual = Checksums.md5(copy);
            if (!actual.equals(md5.get(file))) {
                throw new IOException(source + " from " + origin + " has MD5 " + actual + (source.equals(copy) ? "" :
                        " uncompressed") + " but the published " + dataset + " file " + file.fileName + " has "
                        + md5.get(file) + "; it is not the original data");
            }
        }
        for (Mnist.File file : Mnist.File.values()) {
            Files.move(staging.resolve(file.fileName), directory.resolve(file.fileName),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static InputStream open(Path source) throws IOException {
        InputStream in = Files.newInputStream(source);
        return source.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
    }

    static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            log.warn("Could not remove staging directory {}: {}", root, e.getMessage());
        }
    }
}
