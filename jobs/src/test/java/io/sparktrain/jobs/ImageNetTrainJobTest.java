package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.imagenet.ExportReport;
import io.sparktrain.datasets.testing.TestImageNet;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.runs.Resume;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.scoring.PredictionOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training job on a generated ImageNet-layout dataset: JPEGs and PNGs whose class is a colour
 * under noise, a truncated JPEG and a text file among them, a class folder outside the selection,
 * and validation images in ILSVRC2012's flat layout labelled by a synset file. A small ResNet-18
 * trains on it with Spark parameter averaging in local mode.
 */
class ImageNetTrainJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path dataset() throws IOException {
        Path root = dir.resolve("imagenet");
        TestImageNet.writeTrain(root, 40, 1);
        int[] labels = IntStream.range(0, 30).map(i -> i % 3).toArray();
        TestImageNet.writeFlat(root.resolve("val"), labels, 2);
        StringBuilder synsets = new StringBuilder();
        for (int label : labels) {
            synsets.append(TestImageNet.CLASSES.get(label)).append('\n');
        }
        Files.writeString(root.resolve("imagenet_2012_validation_synset_labels.txt"), synsets);
        return root;
    }

    private TrainConfig config(Path root, Path classes) {
        return ConfigLoader.parse("""
                data { dataset = imagenet, resize = 20, crop = 16, max-unreadable-fraction = 0.05 }
                model { architecture = resnet18, width = 8, learning-rate = 0.003 }
                training { epochs = 3, batch-size-per-worker = 8 }
                sync { averaging-frequency = 2 }
                spark { master = "local[2]", conf { "spark.ui.enabled" = false } }
                """, "test", List.of("run.root=" + dir.resolve("runs"), "data.source-dir=" + root,
                "data.classes=" + classes));
    }

    @Test
    void smallResNetLearnsTheSelectedClassesAndKeepsTheirOrder() throws IOException {
        Path root = dataset();
        Path selection = Files.writeString(dir.resolve("classes.txt"),
                "# three of the four class folders\n" + String.join("\n", TestImageNet.CLASSES) + "\n");
        RunDirectory run = TrainJob.run(config(root, selection), Optional.empty());

        List<String> lines = Files.readAllLines(Path.of(run.metricsUri()));
        assertEquals(3, lines.size());
        JsonNode last = JSON.readTree(lines.get(2));
        assertEquals(30, last.get("test_examples").asInt());
        assertEquals(120, last.get("train_examples").asInt(), "121 listed, the truncated JPEG skipped");
        assertTrue(last.get("test_accuracy").asDouble() >= 0.9, "accuracy " + last.get("test_accuracy"));
        assertEquals(String.join("\n", TestImageNet.CLASSES) + "\n",
                Files.readString(Path.of(run.uri()).resolve("classes.txt")));

        ExportReport train = report(dir.resolve("runs/shards"), "imagenet-train");
        assertEquals(1, train.unreadable().size(), train.unreadable().toString());
        assertTrue(train.unreadable().get(0).file().endsWith(TestImageNet.CORRUPT), train.unreadable().toString());
        assertEquals(1, train.notImages().size(), train.notImages().toString());
        assertTrue(train.notImages().get(0).file().endsWith(TestImageNet.NOT_AN_IMAGE), train.notImages().toString());

        // The same run resumed over every class folder would relabel its data: refused, nothing written.
        TrainConfig allFolders = ConfigLoader.parse(ConfigLoader.render(config(root, selection))
                + "\ndata.classes = \"\"\ntraining.epochs = 4\n", "test", List.of());
        InvalidConfigException changed = assertThrows(InvalidConfigException.class,
                () -> TrainJob.run(allFolders, Optional.of(Resume.last(run.id()))));
        assertTrue(changed.getMessage().contains("classes.txt"), changed.getMessage());
        assertEquals(lines, Files.readAllLines(Path.of(run.metricsUri())));
    }

    @Test
    void predictScoresAnImageFolderAsTheRunsEvaluationDid() throws IOException {
        Path root = dir.resolve("imagenet");
        TestImageNet.writeTrain(root, 40, 1);
        TestImageNet.writeClassFolders(root.resolve("val"), 10, 2);
        Path selection = Files.writeString(dir.resolve("classes.txt"), String.join("\n", TestImageNet.CLASSES));
        RunDirectory run = TrainJob.run(config(root, selection), Optional.empty());
        double runAccuracy = JSON.readTree(Files.readAllLines(Path.of(run.metricsUri())).get(2))
                .get("test_accuracy").asDouble();
        // Added after training, so the run's own evaluation never saw it.
        byte[] whole = TestImageNet.jpeg(TestImageNet.image(0, new java.util.Random(3)));
        Files.write(root.resolve("val").resolve(TestImageNet.CLASSES.get(0)).resolve("broken.JPEG"),
                Arrays.copyOf(whole, whole.length / 3));

        List<String> predict = List.of("--run", run.id(), "--run-root", dir.resolve("runs").toString(), "--input",
                root.resolve("val").toString(), "--format", "images", "--set", "spark.master=local[2]");
        List<String> refused = new ArrayList<>(predict);
        refused.addAll(List.of("--output", dir.resolve("refused").toString()));
        assertEquals(ExitCode.BAD_DATA.code(), PredictJob.launch(refused.toArray(String[]::new)));
        assertFalse(Files.exists(dir.resolve("refused")), "one broken image of 31 is over the default 0.1%");

        List<String> allowed = new ArrayList<>(predict);
        allowed.addAll(List.of("--output", dir.resolve("scores").toString(), "--max-unreadable-fraction", "0.05"));
        assertEquals(0, PredictJob.launch(allowed.toArray(String[]::new)));
        JsonNode summary = JSON.readTree(dir.resolve("scores").resolve(PredictionOutput.SUMMARY).toFile());
        assertEquals(30, summary.get("rows").asInt());
        assertEquals(1, summary.get("unreadable_rows").asInt());
        assertTrue(summary.get("unreadable_ids").get(0).asText().contains("broken.JPEG"), summary.toString());
        // The same decoding, crop and network as the run's evaluation; other batches may flip a near tie.
        assertEquals(runAccuracy, summary.get("accuracy").asDouble(), 1.0 / 30 + 1e-9);
    }

    private static ExportReport report(Path shardRoot, String dataset) throws IOException {
        try (Stream<Path> exports = Files.list(shardRoot)) {
            Path export = exports.filter(p -> p.getFileName().toString().startsWith(dataset)).findFirst().orElseThrow();
            return ExportReport.fromJson(Files.readString(export.resolve(ExportReport.FILE_NAME)));
        }
    }
}
