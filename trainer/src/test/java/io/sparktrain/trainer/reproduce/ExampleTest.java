package io.sparktrain.trainer.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.InvalidConfigException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleTest {
    private static final String LINEAR = """
            data { dataset = inline, features = [[1], [2], [3]], labels = [[2], [4], [6]] }
            model { architecture = mlp, output-activation = identity, loss = mse, weight-init = zero, updater = sgd,
                    learning-rate = 0.01 }
            training { epochs = 2001, batch-size-per-worker = 3 }
            sync.strategy = single-machine
            """;

    @TempDir
    Path dir;

    private Path example(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name + ".conf"), text);
    }

    private String error(String text) throws IOException {
        Path file = example("bad", text);
        return assertThrows(InvalidConfigException.class, () -> Example.load(file, List.of())).getMessage();
    }

    @Test
    void everyProblemOfTheReproduceSectionIsNamed() throws IOException {
        String message = error(LINEAR + """
                reproduce {
                  reference = "r"
                  colour = red
                  plots = [pie]
                  checks = [
                    { metric = nope, expected = 1, tolerance = 0, why = w }
                    { metric = loss, expected = x, tolerance = -1, input = [1] }
                    { metric = param, expected = [1, 2], tolerance = 0, why = w }
                  ]
                }
                """);
        for (String expected : List.of("bad.conf: reproduce.title: expected a non-empty string",
                "reproduce.colour: unknown key", "reproduce.plots: 'pie' is not one of [loss, fit]",
                "reproduce.checks[0].metric: metric 'nope' is not one of [loss, accuracy",
                "reproduce.checks[1].expected: expected a number or a non-empty list of numbers",
                "reproduce.checks[1].tolerance: expected a number, at least 0",
                "reproduce.checks[1].why: expected a non-empty string",
                "reproduce.checks[1].input: applies to prediction and class only",
                "reproduce.checks[2].param: expected a non-empty string")) {
            assertTrue(message.contains(expected), expected + " in\n" + message);
        }
        assertTrue(error(LINEAR).contains("bad.conf: no 'reproduce' section"));
        String job = error(LINEAR.replace("loss = mse", "loss = binary-cross-entropy")
                + "reproduce { title = t, reference = r, checks = [] }");
        assertTrue(job.contains("model.loss = binary-cross-entropy needs model.output-activation = sigmoid"), job);
    }

    @Test
    void anExampleRunsItsChecksAndTheReportShowsBothSides() throws IOException {
        Path file = example("linear", LINEAR + """
                reproduce {
                  title = "Linear regression"
                  reference = "the course"
                  checks = [
                    { metric = param, param = output_W, expected = 1.997, tolerance = 0.001, why = "deterministic" }
                    { metric = prediction, input = [4], expected = 100, tolerance = 1, why = "a figure we do not reach" }
                  ]
                  plots = [loss, fit]
                }
                """);
        ExampleResult result = ExampleRunner.run(Example.load(file, List.of()).get(0));
        assertTrue(result.rows().get(0).passed(), "W = " + result.rows().get(0).measured()[0]);
        assertFalse(result.rows().get(1).passed());
        assertFalse(result.passed());
        assertEquals(2001, result.run().losses().length);

        Path out = dir.resolve("report");
        String report = Report.write(out, List.of(result));
        assertTrue(report.contains("1 of 2 checks within their tolerance, 1 examples."), report);
        assertTrue(report.contains("| linear | param output_W | 1.997 | 1.997"), report);
        assertTrue(report.contains("| linear | prediction for [4] | 100 | 7.9"), report);
        assertTrue(report.contains("| 1 | **FAIL** |"), report);
        assertEquals(report, Files.readString(out.resolve("report.md")));
        for (String plot : List.of("linear-loss.png", "linear-fit.png")) {
            assertTrue(report.contains("](" + plot + ")"), plot);
            BufferedImage image = ImageIO.read(out.resolve(plot).toFile());
            assertNotNull(image, plot);
            assertEquals(800, image.getWidth());
        }
    }

    @Test
    void variantsTrainTheSameExampleWithKeysChangedAndShareOneLossPlot() throws IOException {
        String modes = LINEAR.replace("epochs = 2001", "epochs = 30") + """
                reproduce {
                  title = "Modes", reference = r
                  variants = [ { name = online, set { training.batch-size-per-worker = 1 } }
                               { name = full, set { training.batch-size-per-worker = 3 } } ]
                  checks = [ { metric = param, param = output_W, expected = 2, tolerance = 0.5, why = w } ]
                  plots = [loss]
                }
                """;
        List<Example> examples = Example.load(example("modes", modes), List.of("training.epochs=40"));
        assertEquals(List.of("modes: online", "modes: full"), examples.stream().map(Example::label).toList());
        assertEquals(1, examples.get(0).config().training().batchSizePerWorker());
        assertEquals(40, examples.get(1).config().training().epochs(), "command-line overrides still win");
        List<ExampleResult> results = List.of(ExampleRunner.run(examples.get(0)), ExampleRunner.run(examples.get(1)));
        assertEquals(120, results.get(0).run().losses().length);
        assertEquals(40, results.get(1).run().losses().length);
        String report = Report.write(dir.resolve("modes-report"), results);
        assertTrue(report.contains("2 checks within their tolerance, 1 examples."), report);
        assertTrue(report.contains("| modes: online | param output_W |") && report.contains("| full: param output_W"),
                report);
        assertNotNull(ImageIO.read(dir.resolve("modes-report/modes-loss.png").toFile()));

        String duplicate = error(modes.replace("name = full", "name = online"));
        assertTrue(duplicate.contains("reproduce.variants[1].name: 'online' names two variants"), duplicate);
    }

    @Test
    void parametersAreSetBeforeTrainingAndCheckedAgainstTheNetwork() throws IOException {
        String handSet = LINEAR + """
                reproduce {
                  title = t, reference = r, train = false
                  parameters { output_W = [[2]], output_b = [[0.5]] }
                  checks = [ { metric = prediction, input = [10], expected = 20.5, tolerance = 1e-5, why = w } ]
                }
                """;
        assertTrue(ExampleRunner.run(Example.load(example("set", handSet), List.of()).get(0)).passed());
        Path wrong = example("wrong", handSet.replace("output_W = [[2]]", "dense9_W = [[2]]"));
        String message = assertThrows(InvalidConfigException.class,
                () -> ExampleRunner.run(Example.load(wrong, List.of()).get(0))).getMessage();
        assertTrue(message.contains("reproduce.parameters.dense9_W: the network has no such parameter"), message);
        Path shape = example("shape", handSet.replace("output_W = [[2]]", "output_W = [[2, 3]]"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> ExampleRunner.run(Example.load(shape, List.of()).get(0)))
                .getMessage().contains("reproduce.parameters.output_W has shape [1, 2], the network's is [1, 1]"));
    }
}
