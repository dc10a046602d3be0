package io.sparktrain.trainer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.plots.ImageGrid;
import io.sparktrain.trainer.runs.MetricsLine;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pages of run directories written by hand: every state a run can be found in. */
class RunReportPageTest {
    @TempDir
    Path root;

    private RunDirectory run(String name, String config) throws IOException {
        RunDirectory run = new RunStore(new Storage(new Configuration()), root.toUri()).create(name);
        run.writeConfig(config);
        return run;
    }

    private static String classifierLine(int epoch, double accuracy) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("epoch", epoch);
        line.put("strategy", "gradient-sharing");
        line.put("workers", 2);
        line.put("learning_rate", 0.001);
        line.put("train_loss", 0.5 / epoch);
        line.put("train_examples", 1000);
        line.put("train_seconds", 2.0);
        line.put("samples_per_second", 500.0);
        line.put("test_accuracy", accuracy);
        line.put("precision", new double[] {0.9, 0.8});
        line.put("recall", new double[] {0.85, 0.875});
        line.put("f1", new double[] {0.874, 0.836});
        line.put("confusion_matrix", new long[][] {{17, 3}, {2, 14}});
        line.put("bytes_per_step", 1000.0 * epoch);
        return MetricsLine.toJson(line);
    }

    private static String html(RunDirectory run) throws IOException {
        RunReport.write(run);
        return Files.readString(Path.of(run.reportUri()), StandardCharsets.UTF_8);
    }

    @Test
    void aClassifierRunThatWasResumedAndThenDivergedSaysSo() throws IOException {
        RunDirectory run = run("sharing", "training { epochs = 5 }\nnote = \"<b>not markup</b>\"\n");
        run.writeMetrics(List.of(classifierLine(1, 0.8), classifierLine(2, 0.9),
                "{\"epoch\":3,\"diverged\":true,\"batch\":7,\"train_loss\":\"NaN\"}"));
        run.keepOrCheckClasses("cat\ndog\n");
        run.recordResume(1);
        String html = html(run);
        assertTrue(html.contains("Classifier run, 2 of 5 epochs"), "not finished: no summary yet");
        assertTrue(html.contains("Training diverged in epoch 3 (training loss NaN at batch 7)"));
        assertTrue(html.contains("<td>best test accuracy</td><td>90.00% (epoch 2)</td>"));
        assertTrue(html.contains("<td>samples/s</td><td>500</td>"));
        assertTrue(html.contains("alt=\"Gradient sharing: bytes sent per worker step\""), "sharing's traffic");
        assertTrue(html.contains("<td>cat</td><td>0.9</td><td>0.85</td><td>0.874</td><td>20</td>"),
                "the class names of classes.txt, with the figures of the last epoch");
        assertTrue(html.contains("<td>1</td><td>"), "resumed after epoch 1");
        assertTrue(html.contains("note = &quot;&lt;b&gt;not markup&lt;/b&gt;&quot;"), "the config, escaped");
        assertFalse(html.contains("<b>not markup"));
        assertFalse(html.contains("<script"), "no scripts: the page reads offline and anywhere");
    }

    @Test
    void aRunThatStoppedEarlySaysSoAndALaterLegInProgressDoesNot() throws IOException {
        RunDirectory run = run("early", "training { epochs = 5 }\n");
        run.writeMetrics(List.of(classifierLine(1, 0.8), classifierLine(2, 0.9)));
        run.writeSummary("{\"first_epoch\":1,\"last_epoch\":2}\n");
        assertTrue(html(run).contains("Classifier run, stopped early after 2 epochs"));
        run.writeMetrics(List.of(classifierLine(1, 0.8), classifierLine(2, 0.9), classifierLine(3, 0.91)));
        assertTrue(html(run).contains("Classifier run, 3 of 5 epochs"), "the summary is of the earlier leg");
    }

    @Test
    void aRunWithoutEpochsYetHasAPageAllTheSame() throws IOException {
        String html = html(run("new", "training { epochs = 3 }\n"));
        assertTrue(html.contains("Classifier run, 0 of 3 epochs"));
        assertTrue(html.contains("No epoch has completed yet."));
        assertTrue(html.contains("Trained in one go, never resumed."));
    }

    private static String ganLine(int epoch, double score) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("epoch", epoch);
        line.put("discriminator_loss", 1.2);
        line.put("generator_loss", 0.8);
        line.put("discriminator_accuracy", 0.6);
        line.put("discriminator_accuracy_real", 0.7);
        line.put("discriminator_accuracy_fake", 0.5);
        line.put("real_examples", 4096);
        line.put("seconds", 8.0);
        line.put("real_images_per_second", 512.0);
        line.put("classifier_score", score);
        line.put("frechet_distance", 30.0 / epoch);
        line.put("discriminator_round_losses", new double[] {1.3, 1.2, 1.1});
        line.put("generator_round_losses", new double[] {0.7, 0.8, 0.9});
        return MetricsLine.toJson(line);
    }

    @Test
    void aGanRunShowsItsLatestAndBestSamplesAndComparesWithAClassifier() throws IOException {
        RunDirectory gan = run("gan", "training { epochs = 2 }\n");
        gan.writeMetrics(List.of(ganLine(1, 6.5), ganLine(2, 6.1)));
        for (int epoch = 1; epoch <= 2; epoch++) {
            gan.writeFile(RunDirectory.samplesFile(epoch), ImageGrid.png(new float[] {0f, epoch / 2f, 1f, 0f}, 2));
        }
        String html = html(gan);
        assertTrue(html.contains("GAN run, finished after 2 epochs"));
        assertTrue(html.contains("<td>best MNIST score (classifier score)</td><td>6.5 (epoch 1)</td>"));
        assertTrue(html.contains("<td>lowest FID</td><td>15 (epoch 2)</td>"));
        assertTrue(html.contains("alt=\"Samples of epoch 2 (latest)\"") && html.contains(
                "alt=\"Samples of epoch 1 (best MNIST score)\""));

        RunDirectory classifier = run("lenet", "training { epochs = 2 }\n");
        classifier.writeMetrics(List.of(classifierLine(1, 0.8), classifierLine(2, 0.9)));
        List<RunRecord> records = new ArrayList<>(List.of(RunRecord.read(classifier), RunRecord.read(gan)));
        String comparison = new String(ComparisonReport.page(records), StandardCharsets.UTF_8);
        assertTrue(comparison.contains("<th>best test accuracy</th>") && comparison.contains(
                "<th>best MNIST score (classifier score)</th>"), "a summary table per kind of run");
        for (String chart : List.of("Test accuracy per epoch", "MNIST score per epoch",
                "FID (LeNet features) per epoch")) {
            assertTrue(comparison.contains("alt=\"" + chart + "\""), chart);
        }
    }

    @Test
    void figuresReadAsAPersonWritesThem() {
        assertEquals("1,235", Page.figure(1234.5));
        assertEquals("0.98", Page.figure(0.98));
        assertEquals("12.5", Page.figure(12.5));
        assertEquals("0.0001234", Page.figure(0.0001234));
        assertEquals("1.000e-05", Page.figure(0.00001));
        assertEquals("–", Page.figure(Double.NaN));
        assertEquals("99.19%", Page.percent(0.9919));
    }
}
