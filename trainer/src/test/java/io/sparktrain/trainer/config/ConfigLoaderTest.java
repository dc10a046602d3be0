package io.sparktrain.trainer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    static Path repo() {
        return Path.of(System.getProperty("sparktrain.repo.root", "..")).toAbsolutePath().normalize();
    }

    private Path conf(String hocon) throws IOException {
        return Files.writeString(dir.resolve("job.conf"), hocon);
    }

    private String error(String hocon, String... overrides) throws IOException {
        Path file = conf(hocon);
        return assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(file, List.of(overrides)))
                .getMessage();
    }

    @Test
    void shippedJobConfigLoads() {
        TrainConfig config = ConfigLoader.load(repo().resolve("conf/mnist-lenet.conf"), List.of());
        assertEquals("lenet", config.model().architecture());
        assertEquals("allreduce", config.sync().strategy());
        assertEquals(100, config.sync().allreduceStepsPerStage());
    }

    @Test
    void emptyConfigGivesTheDocumentedDefaults() {
        TrainConfig config = ConfigLoader.parse("", "test", List.of());
        for (Param<?> param : ConfigSchema.ALL) {
            assertEquals(param.defaultValue(), param.valueIn(config), param.key());
        }
        assertEquals(Map.of(), config.spark().conf());
    }

    @Test
    void sourceDirectoryIsRefusedForTheFetchedMnistOnly() throws IOException {
        String message = error("data { dataset = mnist, source-dir = /data/mnist }");
        assertTrue(message.contains("data.source-dir = /data/mnist: mnist is fetched"), message);
        TrainConfig fashion = ConfigLoader.parse("data { dataset = fashion-mnist, source-dir = /data/fashion }",
                "test", List.of());
        assertEquals("/data/fashion", fashion.data().sourceDir());
    }

    @Test
    void imageSettingsAreCheckedTogetherAndRefusedForOtherDatasets() throws IOException {
        String imagenet = error("data { dataset = imagenet, resize = 64, crop = 96, train-examples = 100 }");
        assertTrue(imagenet.contains("data.source-dir is empty: imagenet needs the directory holding train/"),
                imagenet);
        assertTrue(imagenet.contains("data.crop = 96 exceeds data.resize = 64"), imagenet);
        assertTrue(imagenet.contains("select imagenet classes with data.classes instead"), imagenet);
        String flip = error("data { dataset = imagenet, source-dir = /data, augment-flip = true }");
        assertTrue(flip.contains("data.augment-flip = true: applies to mnist and fashion-mnist only, not imagenet, "
                + "which crops and flips on its own"), flip);
        String mnist = error("data { classes = imagenette }");
        assertTrue(mnist.contains("data.classes = imagenette: applies to imagenet only, not mnist"), mnist);
    }

    @Test
    void mlpSettingsAreCheckedTogetherAndRefusedForOtherArchitectures() throws IOException {
        String lenet = error("model { hidden-layers = [10], loss = mse }");
        assertTrue(lenet.contains("model.hidden-layers = [10]: applies to model.architecture = mlp only, not lenet"),
                lenet);
        assertTrue(lenet.contains("model.loss = mse: applies to model.architecture = mlp only"), lenet);
        String mlp = error("model { architecture = mlp, loss = binary-cross-entropy, dropout = 0.5 }");
        assertTrue(mlp.contains("model.loss = binary-cross-entropy needs model.output-activation = sigmoid, not "
                + "softmax"), mlp);
        assertTrue(mlp.contains("model.dropout = 0.5 acts on hidden layers, and model.hidden-layers is empty"), mlp);
        String list = error("model { architecture = mlp, hidden-layers = [6, 0] }");
        assertTrue(list.contains("model.hidden-layers = [6,0]") && list.contains("expected a list of integers in [1,"),
                list);
    }

    @Test
    void hiddenLayersComeAsAListOrFromTheCommandLine() throws IOException {
        Path file = conf("model { architecture = mlp, hidden-layers = [6, 10, 6] }");
        assertEquals(List.of(6, 10, 6), ConfigLoader.load(file, List.of()).model().hiddenLayers());
        assertEquals(List.of(2, 3), ConfigLoader.load(file, List.of("model.hidden-layers=2,3")).model().hiddenLayers());
        assertEquals(List.of(), ConfigLoader.load(file, List.of("model.hidden-layers=[]")).model().hiddenLayers());
        assertTrue(error("", "model.architecture=mlp", "model.hidden-layers=6,x").contains(
                "model.hidden-layers = \"6,x\" (command line): expected a list of integers"));
    }

    @Test
    void unknownKeyIsNamedWithItsOriginAndASuggestion() throws IOException {
        String message = error("training { epoch = 3 }");
        assertTrue(message.contains("unknown key 'training.epoch'"), message);
        assertTrue(message.contains("job.conf: 1"), message);
        assertTrue(message.contains("did you mean 'training.epochs'?"), message);
    }

    @Test
    void wrongTypeNamesKeyValueAndExpectation() throws IOException {
        String message = error("training.epochs = three");
        assertTrue(message.contains("training.epochs = \"three\""), message);
        assertTrue(message.contains("expected an integer in [1, 10000000]"), message);
    }

    @Test
    void outOfRangeValuesAreRejected() throws IOException {
        String message = error("sync.averaging-frequency = 0");
        assertTrue(message.contains("sync.averaging-frequency = 0"), message);
        assertTrue(message.contains("expected an integer in [1, 100000]"), message);
        assertTrue(error("model.learning-rate = 0").contains("expected a number in (0.0, 10.0]"));
        assertTrue(error("model.updater = lbfgs").contains("expected one of sgd, momentum, nesterovs, adagrad"));
        assertTrue(error("run.name = \"a/b\"").contains("letters, digits"));
    }

    @Test
    void allProblemsAreReportedTogether() throws IOException {
        String message = error("training { epochs = 0, batch-size-per-worker = big }\nmodel.colour = red");
        assertTrue(message.startsWith("3 problems:"), message);
    }

    @Test
    void overridesWinAndAreChecked() throws IOException {
        Path file = conf("training.epochs = 2");
        TrainConfig config = ConfigLoader.load(file, List.of("training.epochs=7", "model.updater = sgd",
                "run.root=hdfs://namenode:8020/user/me"));
        assertEquals(7, config.training().epochs());
        assertEquals("sgd", config.model().updater());
        assertEquals("hdfs://namenode:8020/user/me", config.run().root(), "'//' is not a comment in an override");

        String message = error("", "training.epochs=-1");
        assertTrue(message.contains("training.epochs = \"-1\" (command line)"), message);
        assertTrue(error("", "training.epochs").contains("expected key=value"));
    }

    @Test
    void sparkConfPassesThroughWithDottedKeys() throws IOException {
        Path file = conf("""
                spark.conf { "spark.executor.memory" = 4g
                             spark.eventLog.enabled = true }
                """);
        // On the command line a key may be quoted as in a file; the quotes are not part of Spark's key.
        TrainConfig config = ConfigLoader.load(file, List.of("spark.conf.spark.task.cpus=2",
                "spark.conf.\"spark.eventLog.dir\"=file:///tmp/events"));
        assertEquals(Map.of("spark.executor.memory", "4g", "spark.eventLog.enabled", "true", "spark.task.cpus", "2",
                "spark.eventLog.dir", "file:///tmp/events"), config.spark().conf());
        String message = error("spark.conf.x = [1, 2]");
        assertTrue(message.contains("spark.conf.x = [") && message.contains("expected a string, number or boolean"),
                message);
    }

    @Test
    void renderedConfigReadsBackEqual() throws IOException {
        Path file = conf("""
                run.name = round-trip
                model { architecture = mlp, hidden-layers = [6, 10, 6], activation = elu, dropout = 0.2
                        updater = nesterovs, learning-rate = 0.05, momentum = 0.8, l1 = 1e-5, l2 = 1e-4
                        gradient-clipping = norm }
                spark.conf { "spark.executor.memory" = 4g }
                """);
        TrainConfig config = ConfigLoader.load(file, List.of("training.epochs=9"));
        TrainConfig back = ConfigLoader.parse(ConfigLoader.render(config), "rendered", List.of());
        assertEquals(config, back);
    }

    @Test
    void missingAndMalformedFilesAreNamed() throws IOException {
        Path missing = dir.resolve("absent.conf");
        assertTrue(assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(missing, List.of()))
                .getMessage().contains("absent.conf: no such config file"));
        assertTrue(error("training { epochs = ").contains("not valid HOCON"));
    }

    @Test
    void documentedConfigReferenceMatchesTheSchema() throws IOException {
        String reference = Files.readString(repo().resolve("docs/configuration.md"));
        assertTrue(reference.contains(ConfigSchema.markdownReference()),
                "docs/configuration.md's config reference differs from ConfigSchema; paste the output of "
                        + "'submit/train --describe-config':\n" + ConfigSchema.markdownReference());
    }
}
