package io.sparktrain.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS for tests: Hadoop's MiniDFSCluster runs a NameNode and a DataNode in this JVM,
 * speaking HDFS RPC on loopback, with its blocks under a temporary directory.
 */
final class TestHdfs implements AutoCloseable {
    private final MiniDFSCluster cluster;
    private final FileSystem fs;

    TestHdfs(Path baseDir) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        fs = cluster.getFileSystem();
    }

    /** {@code hdfs://127.0.0.1:<port>/<path>}. */
    URI uri(String path) {
        return URI.create(cluster.getURI() + "/" + path);
    }

    FileSystem fileSystem() {
        return fs;
    }

    String read(URI file) throws IOException {
        return new String(readBytes(file), StandardCharsets.UTF_8);
    }

    byte[] readBytes(URI file) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(file))) {
            return in.readAllBytes();
        }
    }

    List<String> list(URI dir) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus status : fs.listStatus(new org.apache.hadoop.fs.Path(dir))) {
            names.add(status.getPath().getName());
        }
        return names;
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}
