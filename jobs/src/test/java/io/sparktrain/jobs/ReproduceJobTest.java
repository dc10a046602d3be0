package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.reproduce.Example;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped course examples through the reproduce job. */
class ReproduceJobTest {
    private static final Path EXAMPLES = ConfigLoaderPaths.repo().resolve("conf/examples");

    @TempDir
    Path out;

    private static List<Path> examples() throws IOException {
        return new ReproduceJob.Arguments(List.of(), EXAMPLES, Path.of("x"), List.of()).files();
    }

    @Test
    void everyExampleRunsAtReducedLengthIntoOneReport() throws IOException {
        List<Path> files = examples();
        assertTrue(files.size() >= 10, files.toString());
        int code = ReproduceJob.launch("--examples-dir", EXAMPLES.toString(), "--out", out.toString(),
                "--set", "training.epochs=20");
        assertTrue(code == ReproduceJob.OK || code == ReproduceJob.CHECK_FAILED, "exit " + code);
        String report = Files.readString(out.resolve("report.md"));
        for (Path file : files) {
            for (Example example : Example.load(file, List.of())) {
                assertTrue(report.contains("## " + example.title() + "\n"), example.label());
                long rows = report.lines().filter(line -> line.startsWith("| " + example.label() + " | ")).count();
                assertEquals(example.checks().size(), rows, example.label());
                if (example.plots().contains("loss")) {
                    assertTrue(Files.size(out.resolve(example.name() + "-loss.png")) > 1000, example.name());
                }
            }
        }
    }

    @Test
    void theDeterministicExamplesMatchTheirReferencesAtFullLength() {
        assertEquals(ReproduceJob.OK, ReproduceJob.launch("--examples-dir", EXAMPLES.toString(), "--out",
                out.toString(), "--example", "linear-regression-gd", "--example", "xor-hand-set", "--example",
                "mcculloch-pitts-and", "--example", "perceptron"));
    }

    @Test
    void badArgumentsAndExamplesEndWithoutTraining() throws IOException {
        assertEquals(ReproduceJob.BAD_CONFIG, ReproduceJob.launch("--colour", "red"));
        assertEquals(ReproduceJob.BAD_CONFIG, ReproduceJob.launch("--examples-dir", EXAMPLES.toString(), "--example",
                "no-such-example", "--out", out.toString()));
        assertEquals(ReproduceJob.BAD_CONFIG, ReproduceJob.launch("--examples-dir", EXAMPLES.toString(), "--set",
                "model.loss=l2", "--out", out.toString()));
        assertTrue(!Files.exists(out.resolve("report.md")), "nothing trained, nothing written");
    }

    /** The diabetes example runs on whatever file the user supplies; here a generated one. */
    @Test
    void theDiabetesExampleRunsOnASuppliedFile() throws IOException {
        StringBuilder csv = new StringBuilder();
        java.util.Random random = new java.util.Random(3);
        for (int row = 0; row < 200; row++) {
            double sum = 0;
            for (int feature = 0; feature < 8; feature++) {
                double value = 2 * random.nextDouble() - 1;
                sum += value;
                csv.append(String.format(java.util.Locale.ROOT, "%.6f,", value));
            }
            csv.append(sum > 0 ? 1 : 0).append('\n');
        }
        Path file = Files.writeString(out.resolve("diabetes.csv"), csv);
        int code = ReproduceJob.launch("--examples-dir", EXAMPLES.resolve("supplied-data").toString(), "--out",
                out.resolve("report").toString(), "--set", "data.file=" + file, "--set", "training.epochs=300");
        assertTrue(code == ReproduceJob.OK || code == ReproduceJob.CHECK_FAILED, "exit " + code);
        assertTrue(Files.readString(out.resolve("report/report.md")).contains("| logistic-regression-diabetes | accuracy |"));
        assertEquals(ReproduceJob.BAD_DATA, ReproduceJob.launch("--examples-dir",
                EXAMPLES.resolve("supplied-data").toString(), "--out", out.resolve("none").toString(), "--set",
                "data.file=" + out.resolve("absent.csv")));
    }

    /** The full reproduction, as the README's command runs it: every reference figure within its tolerance. */
    @Test
    @Tag("slow")
    void everyExampleMatchesItsReference() {
        assertEquals(ReproduceJob.OK, ReproduceJob.launch("--examples-dir", EXAMPLES.toString(), "--out",
                out.toString()));
    }
}
