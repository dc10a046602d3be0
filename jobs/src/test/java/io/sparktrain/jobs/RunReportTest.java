package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.testing.TestMnist;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.runs.RunDirectory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page of a short real run (2 epochs, then resumed for a third), read as a test and looked at
 * in a real browser; and {@code submit/report} drawing it again and comparing two runs.
 */
class RunReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IMAGE = Pattern.compile("<img alt=\"([^\"]*)\" src=\"data:image/png;base64,"
            + "([A-Za-z0-9+/=]+)\">");
    private static final Pattern ROW = Pattern.compile("<tr><td>([^<]*)</td>((?:<td>[^<]*</td>)*)</tr>");

    @TempDir
    static Path root;
    private static RunDirectory resumed;
    private static RunDirectory other;
    private static String afterTwoEpochs;

    private static List<String> settings(int epochs, String... more) {
        List<String> settings = new ArrayList<>(List.of("run.root=" + root, "data.cache-dir=" + TestMnist.cacheDir(),
                "data.train-examples=2048", "data.test-examples=1000", "training.epochs=" + epochs,
                "spark.master=local[2]", "spark.conf.spark.ui.enabled=false"));
        settings.addAll(List.of(more));
        return settings;
    }

    @BeforeAll
    static void trainTwoRuns() throws IOException {
        resumed = TrainJob.run(ConfigLoader.load(ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf"),
                settings(2)), Optional.empty());
        afterTwoEpochs = Files.readString(Path.of(resumed.reportUri()));
        JobArguments resume = JobArguments.parse("train", JobKind.TRAIN, "--resume", resumed.id(), "--set",
                "run.root=" + root, "--set", "training.epochs=3");
        TrainJob.run(resume.resolveConfig(), resume.resume());
        other = TrainJob.run(ConfigLoader.load(ConfigLoaderPaths.repo().resolve("conf/mnist-lenet.conf"),
                settings(2, "model.learning-rate=0.003")), Optional.empty());
    }

    private static List<JsonNode> metrics(RunDirectory run) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(run.metricsUri()))) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    /** The page's images by their alternative text, decoded. */
    private static Map<String, BufferedImage> images(String html) throws IOException {
        Map<String, BufferedImage> images = new LinkedHashMap<>();
        Matcher m = IMAGE.matcher(html);
        while (m.find()) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(2))));
            assertTrue(image != null, "a PNG that decodes: " + m.group(1));
            images.put(m.group(1), image);
        }
        return images;
    }

    /** Table rows by their first cell: the other cells. */
    private static Map<String, List<String>> rows(String html) {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(html);
        while (m.find()) {
            rows.put(m.group(1), List.of(m.group(2).replaceAll("^<td>|</td>$", "").split("</td><td>")));
        }
        return rows;
    }

    /** The part of the page from section {@code id}'s heading to the next. */
    private static String section(String html, String id) {
        int from = html.indexOf("<h2 id=\"" + id + "\">");
        assertTrue(from >= 0, "section " + id);
        int to = html.indexOf("<h2 ", from + 1);
        return html.substring(from, to < 0 ? html.length() : to);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    @Test
    void theRunsPageShowsItsFiguresCurvesAndConfusionMatrixAndWhereItWasResumed() throws IOException {
        String html = Files.readString(Path.of(resumed.reportUri()));
        for (String section : List.of("summary", "curves", "classes", "resumes", "config")) {
            assertTrue(html.contains("<h2 id=\"" + section + "\">"), "section " + section);
        }
        assertTrue(html.contains("Classifier run, finished after 3 epochs"), "after the resumed leg");
        assertTrue(afterTwoEpochs.contains("finished after 2 epochs") && afterTwoEpochs.contains("never resumed"),
                "the page of the first leg, before the resume");

        List<JsonNode> epochs = metrics(resumed);
        assertEquals(3, epochs.size());
        double best = epochs.stream().mapToDouble(e -> e.get("test_accuracy").asDouble()).max().orElseThrow();
        Map<String, List<String>> rows = rows(section(html, "summary"));
        assertTrue(rows.get("best test accuracy").get(0).startsWith(percent(best) + " (epoch "),
                rows.get("best test accuracy").toString());
        assertEquals(percent(epochs.get(2).get("test_accuracy").asDouble()), rows.get("final test accuracy").get(0));
        assertEquals("allreduce", rows.get("strategy").get(0));
        JsonNode last = epochs.get(2);
        Map<String, List<String>> classes = rows(section(html, "classes"));
        for (int c = 0; c < 10; c++) {
            List<String> cells = classes.get(String.valueOf(c));
            assertEquals(last.get("precision").get(c).asDouble(), Double.parseDouble(cells.get(0)), 5e-5, "precision");
            assertEquals(last.get("recall").get(c).asDouble(), Double.parseDouble(cells.get(1)), 5e-5, "recall");
            assertEquals(last.get("f1").get(c).asDouble(), Double.parseDouble(cells.get(2)), 5e-5, "F1");
            long support = 0;
            for (JsonNode count : last.get("confusion_matrix").get(c)) {
                support += count.asLong();
            }
            assertEquals(support, Long.parseLong(cells.get(3)), "test examples of class " + c);
        }
        assertEquals(List.of("2"), List.copyOf(rows(section(html, "resumes")).keySet()),
                "the resume after epoch 2 is listed");
        assertTrue(html.contains(Files.readString(Path.of(resumed.uri()).resolve("config.conf"))
                .lines().findFirst().orElseThrow()), "the resolved config");

        Map<String, BufferedImage> images = images(html);
        assertEquals(List.of("Training loss per epoch", "Test accuracy per epoch", "Learning rate per epoch",
                "Training throughput per epoch", "Confusion matrix, epoch 3"), List.copyOf(images.keySet()));
        for (String chart : List.of("Training loss per epoch", "Learning rate per epoch")) {
            assertEquals(800, images.get(chart).getWidth(), chart);
            assertEquals(500, images.get(chart).getHeight(), chart);
        }
        assertEquals(40 * 10 + 160, images.get("Confusion matrix, epoch 3").getWidth(), "40 pixels a class");
        assertEquals(0.001 * 0.7 * 0.7, last.get("learning_rate").asDouble(), 1e-12,
                "the third epoch's rate of the main config's schedule (x0.7 an epoch)");
    }

    @Test
    void theReportCommandDrawsARunAgainAndComparesRuns() throws IOException {
        Path page = Path.of(resumed.reportUri());
        Files.delete(page);
        assertEquals(ExitCode.OK.code(), ReportJob.launch(resumed.id(), "--run-root", root.toString()));
        assertTrue(Files.readString(page).contains("finished after 3 epochs"));

        Path comparison = root.resolve("comparison.html");
        assertEquals(ExitCode.OK.code(), ReportJob.launch(resumed.id(), other.id(), "--run-root", root.toString(),
                "--out", comparison.toString()));
        String html = Files.readString(comparison);
        Map<String, List<String>> rows = rows(html);
        assertEquals("3", rows.get(resumed.id()).get(0), "epochs of the resumed run");
        assertEquals("2", rows.get(other.id()).get(0));
        assertEquals(List.of("Training loss per epoch", "Test accuracy per epoch", "Training throughput per epoch"),
                List.copyOf(images(html).keySet()));

        byte[] before = Files.readAllBytes(comparison);
        assertEquals(ExitCode.BAD_CONFIG.code(), ReportJob.launch(resumed.id(), other.id(), "--run-root",
                root.toString(), "--out", comparison.toString()), "an existing --out is refused");
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(comparison), "and kept");
        assertEquals(ExitCode.BAD_CONFIG.code(), ReportJob.launch(resumed.id(), other.id(), "--run-root",
                root.toString()), "two runs need --out");
        assertEquals(ExitCode.BAD_CONFIG.code(), ReportJob.launch("--run-root", root.toString()), "no run");
        Path neverWritten = root.resolve("never.html");
        assertEquals(ExitCode.BAD_CONFIG.code(), ReportJob.launch(resumed.id(), "no-such-run", "--run-root",
                root.toString(), "--out", neverWritten.toString()));
        assertFalse(Files.exists(neverWritten), "nothing is written when a run is missing");
    }

    @Test
    void theRunsPageRendersInARealBrowserWithoutErrors(@TempDir Path profile) throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.unavailable().isEmpty(), () -> "skipped: "
                + HeadlessChromium.unavailable().orElseThrow());
        try (HeadlessChromium chromium = new HeadlessChromium(profile)) {
            HeadlessChromium.Visit visit = chromium.visit(resumed.reportUri(), 1280, 2000);
            assertEquals(List.of(), visit.errors(), "console errors, exceptions or failed loads");
            BufferedImage screenshot = ImageIO.read(new ByteArrayInputStream(visit.screenshotPng()));
            assertEquals(1280, screenshot.getWidth());
            assertEquals(2000, screenshot.getHeight());
            assertTrue(distinctColours(screenshot) > 50, "a drawn page, not a blank one");
            // Five images of 500 pixels and more, in rows of two, and four tables: a long page.
            assertTrue(visit.contentHeight() > 2500, "content height " + visit.contentHeight());

            // The checker sees what it must: a page with a missing image and a console error.
            Path broken = profile.resolveSibling(profile.getFileName() + "-broken.html");
            Files.writeString(broken, "<html><body><img src=\"missing.png\"><script>console.error('seen')</script>"
                    + "</body></html>");
            List<String> errors = chromium.visit(broken.toUri(), 400, 300).errors();
            assertTrue(errors.stream().anyMatch(e -> e.contains("seen")), errors.toString());
            assertTrue(errors.stream().anyMatch(e -> e.contains("missing.png") || e.contains("ERR_FILE_NOT_FOUND")),
                    errors.toString());
        }
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 4) {
            for (int x = 0; x < image.getWidth(); x += 4) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
