package io.sparktrain.datasets.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;

/**
 * Files on any Hadoop file system ({@code file://}, {@code hdfs://}, {@code s3a://}), so shards,
 * checkpoints and metrics are written the same way wherever they live. Serializable so that tasks
 * can write through it on executors with the driver's Hadoop settings.
 */
public final class Storage implements Serializable {
    private static final long serialVersionUID = 1L;
    private final SerializableConfiguration conf;

    public Storage(Configuration hadoopConf) {
        this.conf = new SerializableConfiguration(hadoopConf);
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

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer<T> {
        T writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} under a temporary name in the same directory, then renames it, so a
     * reader (or a crash) never sees a partial file under the final name. Replaces an existing file.
     * Returns what the writer returned.
     */
    public <T> T writeAtomically(URI target, Writer<T> writer) throws IOException {
        FileSystem fs = fileSystem(target);
        org.apache.hadoop.fs.Path finalPath = new org.apache.hadoop.fs.Path(target);
        org.apache.hadoop.fs.Path temp = new org.apache.hadoop.fs.Path(finalPath.getParent(),
                "." + finalPath.getName() + "." + UUID.randomUUID() + ".tmp");
        T result;
        try (OutputStream out = fs.create(temp, false)) {
            result = writer.writeTo(out);
        } catch (IOException | RuntimeException e) {
            fs.delete(temp, false);
            throw e;
        }
        // HDFS rename does not replace an existing target; the delete makes replacing explicit.
        if (fs.exists(finalPath)) {
            fs.delete(finalPath, false);
        }
        if (!fs.rename(temp, finalPath)) {
            fs.delete(temp, false);
            throw new IOException("cannot rename " + temp + " to " + finalPath);
        }
        return result;
    }

    public void writeStringAtomically(URI target, String content) throws IOException {
        writeAtomically(target, out -> {
            out.write(content.getBytes(StandardCharsets.UTF_8));
            return null;
        });
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
