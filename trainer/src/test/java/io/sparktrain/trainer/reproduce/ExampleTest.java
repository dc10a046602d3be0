package io.sparktrain.trainer.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
                "reproduce.colour: unknown key", "reproduce.plots: 'pie' is not one of [loss, fit, accuracy]",
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
        assertEquals(2001, result.run().stepLosses().length);

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
        assertEquals(120, results.get(0).run().stepLosses().length);
        assertEquals(40, results.get(1).run().stepLosses().length);
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

    @Test
    void variantsCarryChecksOfTheirOwnAndBoundsGoEitherWay() throws IOException {
        Path file = example("bounds", LINEAR.replace("epochs = 2001", "epochs = 200") + """
                reproduce {
                  title = t, reference = r
                  variants = [
                    { name = slow, set { model.learning-rate = 0.001 }, checks = [
                      { metric = param, param = output_W, at-most = 1.9, why = "too slow to get there" } ] }
                    { name = fast, set { model.learning-rate = 0.05 }, checks = [
                      { metric = param, param = output_W, at-least = 1.9, why = "fast enough" } ] }
                  ]
                  checks = [ { metric = epochs, expected = 200, tolerance = 0, why = "no early stopping" } ]
                }
                """);
        List<Example> examples = Example.load(file, List.of());
        for (Example example : examples) {
            assertEquals(2, example.checks().size(), example.label());
            ExampleResult result = ExampleRunner.run(example);
            assertTrue(result.passed(), example.label() + ": W = " + result.rows().get(1).measured()[0]);
        }
        assertEquals(Check.Bound.AT_MOST, examples.get(0).checks().get(1).bound());
        assertEquals(Check.Bound.AT_LEAST, examples.get(1).checks().get(1).bound());
        String report = Report.write(dir.resolve("bounds-report"), List.of(ExampleRunner.run(examples.get(1))));
        assertTrue(report.contains("| fast: param output_W | at least 1.9 | "), report);

        Check atLeastTwo = new Check(Metric.LOSS, List.of(2.0), 0, "w", List.of(), 0, "", Check.Bound.AT_LEAST);
        assertTrue(atLeastTwo.passes(new double[] {2}));
        assertFalse(atLeastTwo.passes(new double[] {1.99}));
        assertFalse(atLeastTwo.passes(new double[] {Double.NaN}), "a NaN meets no bound");

        String both = error(LINEAR + """
                reproduce { title = t, reference = r, variants = [ { name = v, set {}, colour = red } ]
                  checks = [ { metric = loss, at-most = 1, at-least = 0, why = w } ] }
                """);
        assertTrue(both.contains("reproduce.checks[0]: a check is at-most or at-least, not both"), both);
        assertTrue(both.contains("reproduce.variants[0].colour: unknown key"), both);
        String none = error(LINEAR + "reproduce { title = t, reference = r, variants = [ { name = v, set {} } ] }");
        assertTrue(none.contains("reproduce.variants[0].checks: expected a list of checks"), none);
    }

    /** A Spark dataset example trains elsewhere; here a stand-in returns what such a run records. */
    @Test
    void aSparkDatasetExampleIsMeasuredOnWhatItsRunRecorded() throws IOException {
        String mnist = """
                data.dataset = mnist
                model { architecture = mlp, hidden-layers = [8] }
                training { epochs = 3, early-stopping-patience = 1 }
                sync { strategy = parameter-averaging, workers = 2 }
                """;
        Path file = example("digits", mnist + """
                reproduce {
                  title = Digits, reference = r
                  checks = [ { metric = accuracy, at-least = 0.9, why = w }
                             { metric = epochs, at-most = 2, why = "it stopped early" }
                             { metric = loss, expected = 0.2, tolerance = 1e-9, why = "the last epoch's" } ]
                  plots = [loss, accuracy]
                }
                """);
        Example example = Example.load(file, List.of()).get(0);
        assertFalse(example.onTable());
        List<TrainConfig> trained = new ArrayList<>();
        ExampleResult result = ExampleRunner.run(example, config -> {
            trained.add(config);
            ComputationGraph network = ModelSpec.of(config.model(), 1, 28, 28, 10).newNetwork("mlp");
            return new SparkTraining.Trained(network, new double[] {0.5, 0.2}, new double[] {0.85, 0.91}, "runs/x");
        });
        assertEquals(List.of(example.config()), trained);
        assertEquals(List.of(0.91, 2.0, 0.2), result.rows().stream().map(r -> r.measured()[0]).toList());
        assertTrue(result.passed());
        String report = Report.write(dir.resolve("digits-report"), List.of(result));
        assertTrue(report.contains("Trained 2 of 3 epochs on mnist with parameter-averaging, 2 worker(s)"), report);
        assertTrue(report.contains("final test accuracy 0.91; run `runs/x`"), report);
        for (String plot : List.of("digits-loss.png", "digits-accuracy.png")) {
            assertNotNull(ImageIO.read(dir.resolve("digits-report").resolve(plot).toFile()), plot);
        }

        String tableOnly = error(mnist + """
                reproduce {
                  title = t, reference = r, train = false
                  parameters { output_W = [[1]] }
                  checks = [ { metric = outputs, expected = [1], tolerance = 0, why = w } ]
                  plots = [fit]
                }
                """);
        for (String expected : List.of("reproduce.train: only a table example can be evaluated untrained",
                "reproduce.parameters: only a table example can set parameters",
                "reproduce.checks[0].metric: 'outputs' measures a table",
                "reproduce.plots: 'fit' plots a table's rows; mnist is not a table")) {
            assertTrue(tableOnly.contains(expected), expected + " in\n" + tableOnly);
        }
        assertTrue(error(LINEAR + "reproduce { title = t, reference = r, plots = [accuracy], checks = [ { metric = loss, "
                + "expected = 0, tolerance = 1, why = w } ] }").contains("'accuracy' plots a Spark dataset's test "
                + "accuracy; inline is a table"));
        assertThrows(IllegalStateException.class, () -> ExampleRunner.run(example), "no Spark, no MNIST");
    }
}
