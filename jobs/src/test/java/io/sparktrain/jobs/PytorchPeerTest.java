package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PytorchPeerTest {
    @TempDir
    Path work;

    @Test
    void refusesWhatTheReferenceCannotTrainAsTheProjectDoes() {
        refused("model.architecture = mlp", "model.architecture=mlp");
        refused("model.updater = sgd", "model.updater=sgd");
        refused("data.augment-rotation = 10.0", "data.augment-rotation=10");
        refused("model.l2 = 1.0E-4: the PyTorch reference trains with 0.0", "model.l2=0.0001");
    }

    @Test
    void saysHowToInstallPyTorchWhenTheInterpreterLacksIt() throws IOException {
        Path python = work.resolve("python3");
        Files.writeString(python, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\"\nexit 1\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
        String message = assertThrows(InvalidConfigException.class,
                () -> PytorchPeer.check(config(), python.toString())).getMessage();
        assertTrue(message.contains("cannot import torch (ModuleNotFoundError: No module named 'torch')")
                && message.contains("apt-get install python3-torch"), message);
        String missing = assertThrows(InvalidConfigException.class,
                () -> PytorchPeer.check(config(), work.resolve("absent").toString())).getMessage();
        assertTrue(missing.contains("absent is missing"), missing);
    }

    /** The script's JSON reaches the table; runs only where Debian's python3-torch is installed. */
    @Test
    void trainsTheSameLeNetWithPyTorch() throws IOException {
        assumeTrue(torchInstalled(), PytorchPeer.PYTHON + " cannot import torch: apt-get install python3-torch");
        TrainConfig config = config("data.cache-dir=" + TestMnist.cacheDir(), "data.test-examples=500",
                "training.max-batches-per-epoch=8", "training.epochs=1");
        TestMnist.fetch();
        BenchmarkJob.Result result = PytorchPeer.check(config).run(config, List.of(2), Optional.of(0.01))
                .get(0);
        assertEquals(2, result.workers());
        assertEquals(8 * 64, result.examples(), "4 batches of 64 in each of 2 processes");
        assertTrue(result.seconds() > 0 && result.accuracy() > 0.2 && result.accuracy() <= 1, result.toString());
        assertTrue(result.secondsToTarget() > 0, "1% is reached after the first epoch: " + result);
        assertTrue(result.mode().startsWith("PyTorch ") && result.mode().endsWith("DDP (2 processes)"),
                result.mode());
    }

    /** Single-machine DL4J against the peer's one process, every Spark row against its DDP run; the page as well. */
    @Test
    void tablePairsEachModeWithItsPeerAndThePageShowsTheSame() throws IOException {
        List<BenchmarkJob.Result> project = List.of(
                new BenchmarkJob.Result("single machine (DL4J)", 1, 1, 1000, 10, 0.9, 0, Double.NaN),
                new BenchmarkJob.Result("Spark parameter-averaging (local[*])", 2, 1, 1000, 4, 0.9, 8, 30),
                new BenchmarkJob.Result("Spark gradient-sharing (local[*])", 1, 1, 1000, 5, 0.9, 2, Double.NaN));
        List<BenchmarkJob.Result> peer = List.of(
                new BenchmarkJob.Result("PyTorch 1.13 (1 process)", 1, 1, 1000, 5, 0.9, Double.NaN, Double.NaN),
                new BenchmarkJob.Result("PyTorch 1.13 DDP (2 processes)", 2, 1, 1000, 2, 0.9, Double.NaN, 20));
        String table = BenchmarkJob.table(project, peer, Optional.of(0.99)).replaceAll(" +", " ");
        assertTrue(table.contains(" single machine (DL4J) / PyTorch 1.13 (1 process) 0.50x samples/s\n"), table);
        assertTrue(table.contains(" Spark parameter-averaging (local[*]) / PyTorch 1.13 DDP (2 processes) 0.50x "
                + "samples/s, 1.50x time to target\n"), table);
        assertTrue(table.contains(" Spark gradient-sharing (local[*]) / PyTorch 1.13 DDP (2 processes) 0.40x "
                + "samples/s\n"), table);
        assertTrue(table.contains("30.0 s") && table.contains("reached 99.00%"), table);

        Path page = Path.of(BenchmarkJob.writePage(config("run.root=" + work), project, peer, Optional.of(0.99)));
        assertEquals(work.resolve("benchmarks"), page.getParent());
        String html = Files.readString(page);
        assertTrue(html.contains("<tr><td>Spark parameter-averaging (local[*])</td><td>2</td><td>1</td><td>1000</td>"
                + "<td>4.0</td><td>250</td><td>90.00%</td><td>8</td><td>30.0 s</td></tr>"), html);
        assertTrue(html.contains("Spark parameter-averaging (local[*]) / PyTorch 1.13 DDP (2 processes) 0.50x"), html);
        Matcher chart = Pattern.compile("alt=\"Samples/s per mode\" src=\"data:image/png;base64,([^\"]+)\"")
                .matcher(html);
        assertTrue(chart.find(), "the bar chart");
        assertEquals(800, ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(chart.group(1))))
                .getWidth());
    }

    private static void refused(String named, String setting) {
        String message = assertThrows(InvalidConfigException.class, () -> PytorchPeer.check(config(setting),
                "/nonexistent/python3")).getMessage();
        assertTrue(message.startsWith("--peer pytorch: " + named), message);
    }

    private static TrainConfig config(String... settings) {
        return ConfigLoader.load(ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf"), List.of(settings));
    }

    static boolean torchInstalled() {
        try {
            return new ProcessBuilder(PytorchPeer.PYTHON, "-c", "import torch").start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
