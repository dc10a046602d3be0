package io.sparktrain.trainer.runs;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.storage.ChecksumMismatchException;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class RunDirectoryTest {
    @TempDir
    Path root;

    private final Storage storage = new Storage(new Configuration());

    private static ComputationGraph trainedALittle() {
        ComputationGraph net = ModelSpec.of(ConfigLoader.parse("", "test", List.of()).model(), 1, 28, 28, 10)
                .newNetwork("lenet");
        Nd4j.getRandom().setSeed(3);
        net.fit(new DataSet(Nd4j.rand(8, 784), Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7)));
        net.getConfiguration().setEpochCount(4);
        return net;
    }

    @Test
    void checkpointKeepsParametersUpdaterStateAndCounters() throws IOException {
        RunDirectory run = new RunStore(storage, root.toUri()).create("test");
        ComputationGraph net = trainedALittle();
        run.writeCheckpoint(4, net);

        ComputationGraph restored = run.readCheckpoint(4);
        assertBitwiseEqual(net.params(), restored.params(), "parameters");
        assertBitwiseEqual(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(),
                "updater state");
        assertEquals(4, restored.getEpochCount());
        assertEquals(net.getIterationCount(), restored.getIterationCount());
        try (var files = Files.list(root.resolve("runs").resolve(run.id()).resolve("checkpoints"))) {
            assertEquals(List.of("epoch-0004.zip", "epoch-0004.zip.sha256"), files.map(p -> p.getFileName()
                    .toString()).sorted().toList(), "the checkpoint and its checksum, no temporary file");
        }
    }

    @Test
    void onlyCompleteCheckpointsCount() throws IOException {
        RunDirectory run = new RunStore(storage, root.toUri()).create("test");
        assertEquals(Optional.empty(), run.lastCheckpointEpoch());
        run.writeCheckpoint(1, trainedALittle());
        run.writeCheckpoint(2, trainedALittle());
        Path checkpoints = root.resolve("runs").resolve(run.id()).resolve("checkpoints");
        // What a crash during the third write leaves: a temporary name that never looks complete.
        Files.write(checkpoints.resolve(".epoch-0003.zip.1234.tmp"), new byte[] {1, 2, 3});
        assertEquals(Optional.of(2), run.lastCheckpointEpoch());
    }

    @Test
    void resumingFindsTheRunAndItsConfig() throws IOException {
        RunStore store = new RunStore(storage, root.toUri());
        RunDirectory run = store.create("test");
        run.writeConfig("training.epochs = 3\n");
        assertEquals("training.epochs = 3\n", store.open(run.id()).readConfig());
        IOException e = assertThrows(IOException.class, () -> store.open("test-19700101-000000-0000"));
        assertTrue(e.getMessage().contains("no run 'test-19700101-000000-0000'"), e.getMessage());
    }

    @Test
    void metricLinesOfEpochsNotCheckpointedAreDropped() throws IOException {
        RunDirectory run = new RunStore(storage, root.toUri()).create("test");
        run.writeMetrics(List.of("{\"epoch\":1}", "{\"epoch\":2}", "{\"epoch\":3}"));
        assertEquals(List.of("{\"epoch\":1}", "{\"epoch\":2}"), run.metricLines(2));
        assertEquals(List.of(), new RunStore(storage, root.toUri()).create("other").metricLines(5));
    }

    @Test
    void epochFiguresComeBackInOrderAndADivergedLossAsNaN() throws IOException {
        RunDirectory run = new RunStore(storage, root.toUri()).create("test");
        run.writeMetrics(List.of(
                MetricsLine.toJson(Map.of("epoch", 1, "train_loss", 0.5, "test_accuracy", 0.9)),
                MetricsLine.toJson(Map.of("epoch", 2, "train_loss", Double.NaN, "test_accuracy", 0.1)),
                MetricsLine.toJson(Map.of("epoch", 3, "train_loss", 0.1, "test_accuracy", 0.95))));
        assertEquals(List.of(0.5, Double.NaN), run.trainLosses(2));
        assertEquals(List.of(0.9, 0.1, 0.95), run.testAccuracies(3));
        run.writeMetrics(List.of("{\"epoch\":1,\"train_loss\":\"low\"}"));
        IOException e = assertThrows(IOException.class, () -> run.trainLosses(1));
        assertTrue(e.getMessage().contains("metrics line without a numeric 'train_loss'"), e.getMessage());
    }

    @Test
    void aDamagedCheckpointIsRefusedNamingTheIntactOnes() throws IOException {
        RunDirectory run = new RunStore(storage, root.toUri()).create("test");
        ComputationGraph net = trainedALittle();
        for (int epoch = 1; epoch <= 3; epoch++) {
            run.writeCheckpoint(epoch, net);
        }
        Path third = Path.of(run.checkpointUri(3));
        byte[] bytes = Files.readAllBytes(third);
        bytes[bytes.length / 3] ^= 1;
        Files.write(third, bytes);
        ChecksumMismatchException damaged = assertThrows(ChecksumMismatchException.class,
                () -> run.readCheckpoint(3));
        assertTrue(damaged.getMessage().contains("epoch-0003.zip is damaged") && damaged.getMessage().contains(
                "--resume " + run.id() + " --from-epoch 2 (checkpoints of epochs [1, 2] remain)"),
                damaged.getMessage());
        assertBitwiseEqual(net.params(), run.readCheckpoint(2).params(), "an intact earlier checkpoint");
    }

    @Test
    void continuingAfterAnEarlierEpochSetsLaterWorkAsideWhole() throws IOException {
        RunDirectory run = new RunStore(storage, root.toUri()).create("test");
        for (int epoch = 1; epoch <= 3; epoch++) {
            run.writeCheckpoint(epoch, trainedALittle());
        }
        List<String> lines = List.of("{\"epoch\":1}", "{\"epoch\":2}", "{\"epoch\":3}",
                "{\"epoch\":4,\"diverged\":true}");
        run.writeMetrics(lines);
        byte[] third = Files.readAllBytes(Path.of(run.checkpointUri(3)));

        run.continueAfter(1);
        assertEquals(List.of(1), run.checkpointEpochs());
        assertEquals(lines.subList(0, 1), run.metricLines(10));
        List<Path> asides;
        try (var dirs = Files.list(Path.of(run.uri()).resolve("superseded"))) {
            asides = dirs.toList();
        }
        assertEquals(1, asides.size(), asides.toString());
        Path superseded = asides.get(0);
        assertTrue(superseded.getFileName().toString().endsWith("-after-epoch-1"), superseded.toString());
        assertEquals(lines.subList(1, 4), Files.readAllLines(superseded.resolve("metrics.jsonl")));
        try (var files = Files.list(superseded.resolve("checkpoints"))) {
            assertEquals(List.of("epoch-0002.zip", "epoch-0002.zip.sha256", "epoch-0003.zip", "epoch-0003.zip.sha256"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertArrayEquals(third, Files.readAllBytes(superseded.resolve("checkpoints/epoch-0003.zip")));

        run.continueAfter(1);
        try (var dirs = Files.list(Path.of(run.uri()).resolve("superseded"))) {
            assertEquals(1, dirs.count(), "nothing more to set aside");
        }
    }
}
