package io.sparktrain.datasets.storage;

import io.sparktrain.datasets.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;

/**
 * Files on any Hadoop file system ({@code file://}, {@code hdfs://}, {@code s3a://}), so shards,
 * checkpoints and metrics are written the same way wherever they live. Serializable so that tasks
 * can write through it on executors with the driver's Hadoop settings.
 */
public final class Storage implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final String TEMPORARY_SUFFIX = ".tmp";
    private final SerializableConfiguration conf;
    private final WriteObserver observer;

    public Storage(Configuration hadoopConf) {
        this(new SerializableConfiguration(hadoopConf), PAUSE_WHERE_TOLD);
    }

    private Storage(SerializableConfiguration conf, WriteObserver observer) {
        this.conf = conf;
        this.observer = observer;
    }

    /** Turns a user-given location into an absolute URI: anything without a scheme is a local path. */
    public static URI toUri(String location) {
        return resolve(Path.of("").toAbsolutePath().toUri(), location);
    }

    /**
     * A location relative to {@code base}: a URI with a scheme ({@code hdfs://...}) and an absolute
     * local path stand as they are, a relative path is taken below {@code base}.
     */
    public static URI resolve(URI base, String location) {
        if (location.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            return URI.create(location);
        }
        if (Path.of(location).isAbsolute()) {
            return fileUri(Path.of(location));
        }
        if ("file".equals(base.getScheme())) {
            return fileUri(Path.of(base).resolve(location));
        }
        String text = base.toString();
        return URI.create(text.endsWith("/") ? text : text + "/").resolve(encodePath(location)).normalize();
    }

    /** {@code file:///...} without a trailing slash, whether or not the path exists yet. */
    private static URI fileUri(Path path) {
        String uri = path.toAbsolutePath().normalize().toUri().toString();
        return URI.create(uri.endsWith("/") && uri.length() > "file:///".length() ? uri.substring(0, uri.length() - 1)
                : uri);
    }

    private static String encodePath(String relative) {
        try {
            return new URI(null, null, relative, null).getRawPath();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a path: " + relative, e);
        }
    }

    /** How to show a location to a person: a local path for {@code file:} URIs, the URI otherwise. */
    public static String display(URI uri) {
        return "file".equals(uri.getScheme()) ? Path.of(uri).toString() : uri.toString();
    }

    public FileSystem fileSystem(URI uri) throws IOException {
        FileSystem fs = FileSystem.get(uri, conf.get());
        if (fs instanceof LocalFileSystem local) {
            // Hadoop's local file system litters every directory with .crc files; shards carry
            // SHA-256 sums in their manifest and checkpoints are zip files with CRCs of their own.
            local.setWriteChecksum(false);
        }
        return fs;
    }

    public boolean exists(URI uri) throws IOException {
        return fileSystem(uri).exists(new org.apache.hadoop.fs.Path(uri));
    }

    public void mkdirs(URI dir) throws IOException {
        FileSystem fs = fileSystem(dir);
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir);
        if (!fs.mkdirs(path) && !fs.getFileStatus(path).isDirectory()) {
            throw new IOException("cannot create directory " + dir);
        }
    }

    /** Names of the entries directly inside {@code dir}, or an empty list if it does not exist. */
    public List<String> list(URI dir) throws IOException {
        FileSystem fs = fileSystem(dir);
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir);
        List<String> names = new ArrayList<>();
        if (!fs.exists(path)) {
            return names;
        }
        for (FileStatus status : fs.listStatus(path)) {
            names.add(status.getPath().getName());
        }
        return names;
    }

    public InputStream open(URI uri) throws IOException {
        return fileSystem(uri).open(new org.apache.hadoop.fs.Path(uri));
    }

    public String readString(URI uri) throws IOException {
        try (InputStream in = open(uri)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public void delete(URI uri) throws IOException {
        fileSystem(uri).delete(new org.apache.hadoop.fs.Path(uri), true);
    }

    /**
     * Creates {@code target} holding {@code content} unless it exists, in one step that exactly one
     * of several concurrent creators wins, and never partly written: the content goes to a
     * temporary file first, which then becomes {@code target} by link(2) locally and by a rename
     * that refuses an existing target on HDFS (one NameNode operation). Object stores (s3a) cannot
     * refuse an existing target atomically, and there this is only as exclusive as a check before
     * the write. Returns whether this call created the file.
     */
    public boolean createExclusively(URI target, String content) throws IOException {
        FileSystem fs = fileSystem(target);
        org.apache.hadoop.fs.Path finalPath = new org.apache.hadoop.fs.Path(target);
        org.apache.hadoop.fs.Path temp = new org.apache.hadoop.fs.Path(finalPath.getParent(),
                "." + finalPath.getName() + "." + UUID.randomUUID() + TEMPORARY_SUFFIX);
        try {
            try (OutputStream out = fs.create(temp, false)) {
                out.write(content.getBytes(StandardCharsets.UTF_8));
            }
            observer.reached(WriteStep.TEMPORARY_WRITTEN, target);
            if (isLocal(fs)) {
                Files.createLink(Path.of(target), Path.of(temp.toUri()));
            } else {
                FileContext.getFileContext(target, conf.get()).rename(temp, finalPath, Options.Rename.NONE);
            }
            return true;
        } catch (java.nio.file.FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        } finally {
            fs.delete(temp, false);
        }
    }

    /**
     * Moves the file or directory {@code from} to {@code to}, a name not taken yet, in the same file
     * system, and fails if {@code to} exists: on HDFS in one NameNode operation; locally the check and
     * the rename are two steps, so concurrent writers of one name must be kept apart (by the
     * registry's lease, by a run's single driver).
     */
    public void rename(URI from, URI to) throws IOException {
        FileSystem fs = fileSystem(from);
        if (isLocal(fs)) {
            if (Files.exists(Path.of(to))) {
                throw new java.nio.file.FileAlreadyExistsException(display(to));
            }
            Files.move(Path.of(from), Path.of(to), StandardCopyOption.ATOMIC_MOVE);
        } else {
            FileContext.getFileContext(to, conf.get()).rename(new org.apache.hadoop.fs.Path(from),
                    new org.apache.hadoop.fs.Path(to), Options.Rename.NONE);
        }
    }

    private static boolean isLocal(FileSystem fs) {
        return fs instanceof LocalFileSystem || "file".equals(fs.getScheme());
    }

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer<T> {
        T writeTo(OutputStream out) throws IOException;
    }

    /** The steps of an atomic write, in order; a crash between any two leaves the old or the new file. */
    public enum WriteStep { TEMPORARY_CREATED, TEMPORARY_WRITTEN, TEMPORARY_CLOSED, REPLACED }

    /**
     * Sees every step of every atomic write: a seam for tests that interrupt a write at each step.
     * By default it pauses the JVM at the step {@value #PAUSE_PROPERTY} names, so that a test can
     * kill the process there; without the property it does nothing.
     */
    @FunctionalInterface
    public interface WriteObserver extends Serializable {
        void reached(WriteStep step, URI target) throws IOException;
    }

    /**
     * {@code REGEX@STEP}, e.g. {@code epoch-0002\.zip@TEMPORARY_WRITTEN}: at that step of writing a file
     * whose name matches, the JVM prints {@code PAUSED AT STEP name} to standard error and waits to
     * be killed. For fault-injection tests only.
     */
    public static final String PAUSE_PROPERTY = "sparktrain.test.pause-at";

    private static final WriteObserver PAUSE_WHERE_TOLD = (step, target) -> {
        String pauseAt = System.getProperty(PAUSE_PROPERTY);
        if (pauseAt == null) {
            return;
        }
        String name = new org.apache.hadoop.fs.Path(target).getName();
        String[] where = pauseAt.split("@", 2);
        if (where.length == 2 && where[1].equals(step.name()) && name.matches(where[0])) {
            System.err.println("PAUSED AT " + step + " " + name);
            System.err.flush();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while paused for a test at " + step + " of " + name, e);
            }
        }
    };

    /** This storage with {@code observer} seeing every step of its atomic writes. */
    public Storage observedBy(WriteObserver observer) {
        return new Storage(conf, observer);
    }

    /**
     * Writes {@code target} under a temporary name in the same directory, then renames it over the
     * target, so a reader (or a crash) never sees a partial file under the final name and an
     * existing file is replaced by the new one without a moment with neither: atomically on the
     * local file system and HDFS; on object stores (s3a) rename is a copy and this is not atomic.
     * Returns what the writer returned.
     */
    public <T> T writeAtomically(URI target, Writer<T> writer) throws IOException {
        return write(target, writer, () -> {});
    }

    public void writeStringAtomically(URI target, String content) throws IOException {
        writeAtomically(target, out -> {
            out.write(content.getBytes(StandardCharsets.UTF_8));
            return null;
        });
    }

    /**
     * Writes {@code target} atomically, and beside it {@code <target>.sha256} with the content's
     * SHA-256 in {@code sha256sum}'s format; the checksum is in place before the target appears, so
     * a target that exists always has its checksum. {@link #verifyChecksum} checks the pair.
     */
    public void writeWithChecksum(URI target, Writer<?> writer) throws IOException {
        MessageDigest digest = Checksums.sha256Digest();
        write(target, out -> writer.writeTo(new DigestOutputStream(out, digest)), () -> writeStringAtomically(
                checksumUri(target), HexFormat.of().formatHex(digest.digest()) + "  " + nameOf(target) + "\n"));
    }

    /** Fails naming the file, unless {@code target}'s content has the SHA-256 its checksum file records. */
    public void verifyChecksum(URI target) throws IOException {
        URI checksum = checksumUri(target);
        if (!exists(checksum)) {
            throw new ChecksumMismatchException(display(target) + " has no checksum file " + display(checksum)
                    + "; it cannot be verified");
        }
        String recorded = readString(checksum).strip().split("\\s+", 2)[0];
        String actual;
        try (InputStream in = open(target)) {
            actual = Checksums.sha256(in);
        }
        if (!actual.equalsIgnoreCase(recorded)) {
            throw new ChecksumMismatchException(display(target) + " is damaged: its SHA-256 is " + actual + ", but "
                    + display(checksum) + " records " + recorded);
        }
    }

    public static URI checksumUri(URI target) {
        return URI.create(target + ".sha256");
    }

    private static String nameOf(URI target) {
        return new org.apache.hadoop.fs.Path(target).getName();
    }

    /** What happens between writing the temporary file and putting it in place. */
    @FunctionalInterface
    private interface BeforeReplace {
        void run() throws IOException;
    }

    /** Whether {@code name} is the temporary name of an atomic write, which a crash can leave behind. */
    public static boolean isTemporary(String name) {
        return name.startsWith(".") && name.endsWith(TEMPORARY_SUFFIX);
    }

    private <T> T write(URI target, Writer<T> writer, BeforeReplace beforeReplace) throws IOException {
        FileSystem fs = fileSystem(target);
        org.apache.hadoop.fs.Path finalPath = new org.apache.hadoop.fs.Path(target);
        org.apache.hadoop.fs.Path temp = new org.apache.hadoop.fs.Path(finalPath.getParent(),
                "." + finalPath.getName() + "." + UUID.randomUUID() + TEMPORARY_SUFFIX);
        T result;
        try {
            try (OutputStream out = fs.create(temp, false)) {
                observer.reached(WriteStep.TEMPORARY_CREATED, target);
                result = writer.writeTo(out);
                observer.reached(WriteStep.TEMPORARY_WRITTEN, target);
            }
            observer.reached(WriteStep.TEMPORARY_CLOSED, target);
            beforeReplace.run();
            replace(fs, temp, finalPath);
        } catch (IOException | RuntimeException e) {
            fs.delete(temp, false);
            throw e;
        }
        observer.reached(WriteStep.REPLACED, target);
        return result;
    }

    /** Renames {@code temp} over {@code target} in one step where the file system can. */
    private void replace(FileSystem fs, org.apache.hadoop.fs.Path temp, org.apache.hadoop.fs.Path target)
            throws IOException {
        if (isLocal(fs)) {
            // rename(2) replaces the target atomically.
            Files.move(Path.of(temp.toUri()), Path.of(target.toUri()), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } else {
            // HDFS renames with OVERWRITE in one NameNode operation; FileSystem.rename never replaces.
            FileContext.getFileContext(target.toUri(), conf.get()).rename(temp, target, Options.Rename.OVERWRITE);
        }
    }

    /** Hadoop's Configuration is Writable but not Serializable. */
    private static final class SerializableConfiguration implements Serializable {
        private static final long serialVersionUID = 1L;
        private transient Configuration conf;

        SerializableConfiguration(Configuration conf) {
            this.conf = conf;
        }

        Configuration get() {
            return conf;
        }

        private void writeObject(java.io.ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            conf.write(out);
        }

        private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            conf = new Configuration(false);
            conf.readFields(in);
        }
    }

}
