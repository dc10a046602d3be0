package io.sparktrain.datasets.testing;

import io.sparktrain.datasets.mnist.Mnist;
import io.sparktrain.datasets.mnist.MnistFetcher;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Real MNIST for tests, fetched once per machine into the same cache the jobs use by default
 * (override with -Dsparktrain.test.cache=DIR).
 */
public final class TestMnist {
    private TestMnist() {}

    public static Path cacheDir() {
        String configured = System.getProperty("sparktrain.test.cache");
        return configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".cache", "sparktrain");
    }

    public static Mnist fetch() throws IOException {
        return new MnistFetcher(cacheDir()).fetch();
    }
}
