package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.spark.SparkContexts;
import org.apache.spark.SparkConf;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/** Scripts and option files name classes and flags that exist, so they cannot drift silently. */
class LaunchFilesTest {
    @Test
    void jvmOptionsAreSparksOwnJava17List() throws IOException {
        List<String> ours = Files.readAllLines(ConfigLoaderPaths.repo().resolve("conf/jvm.options")).stream()
                .map(String::strip).filter(line -> !line.isEmpty()).toList();
        assertEquals(Arrays.asList(JavaModuleOptions.defaultModuleOptions().split("\\s+")), ours);
    }

    @Test
    void sparkClassesTheScriptsStartExist() throws IOException, ClassNotFoundException {
        Set<String> named = new TreeSet<>();
        for (String script : List.of("submit/cluster", "submit/lib/launch.sh", "submit/history")) {
            Matcher m = Pattern.compile("org\\.apache\\.spark\\.deploy\\.[\\w.]+")
                    .matcher(Files.readString(ConfigLoaderPaths.repo().resolve(script)));
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertTrue(named.containsAll(List.of("org.apache.spark.deploy.SparkSubmit",
                "org.apache.spark.deploy.master.Master", "org.apache.spark.deploy.worker.Worker",
                "org.apache.spark.deploy.history.HistoryServer")), named.toString());
        for (String className : named) {
            Class.forName(className, false, getClass().getClassLoader());
        }
    }

    @Test
    void submitScriptStartsTheTrainJob() throws IOException {
        String script = Files.readString(ConfigLoaderPaths.repo().resolve("submit/train"));
        String benchmark = Files.readString(ConfigLoaderPaths.repo().resolve("submit/benchmark"));
        assertTrue(benchmark.contains(BenchmarkJob.class.getName()), "submit/benchmark must start " + BenchmarkJob.class.getName());
        assertTrue(script.contains(TrainJob.class.getName()), "submit/train must start " + TrainJob.class.getName());
        assertTrue(Files.isExecutable(ConfigLoaderPaths.repo().resolve("submit/train")));
        String predict = Files.readString(ConfigLoaderPaths.repo().resolve("submit/predict"));
        assertTrue(predict.contains(PredictJob.class.getName()), "submit/predict must start " + PredictJob.class.getName());
        assertTrue(Files.isExecutable(ConfigLoaderPaths.repo().resolve("submit/predict")));
        String reproduce = Files.readString(ConfigLoaderPaths.repo().resolve("submit/reproduce"));
        assertTrue(reproduce.contains(ReproduceJob.class.getName()), "submit/reproduce must start "
                + ReproduceJob.class.getName());
        assertTrue(Files.isExecutable(ConfigLoaderPaths.repo().resolve("submit/reproduce")));
    }

    @Test
    void everyShippedJobConfigIsValidAndItsExecutorsFit() throws IOException {
        try (var confs = Files.list(ConfigLoaderPaths.repo().resolve("conf"))) {
            List<Path> files = confs.filter(p -> p.toString().endsWith(".conf")).toList();
            assertTrue(files.size() >= 3, files.toString());
            for (Path file : files) {
                TrainConfig config = ConfigLoader.load(file, List.of());
                SparkConf conf = SparkContexts.sparkConf(new TrainConfig.Spark("yarn", config.spark().appName(),
                                config.spark().conf(), config.spark().executorOffheapMemory(),
                                config.spark().containerMemoryLimit()));
                assertTrue(conf.contains("spark.executor.memoryOverhead"), file.toString());
            }
        }
    }

    @Test
    void theReadmeTableHoldsEveryExitCodeTheScriptsAndJobsReturn() throws IOException {
        String readme = Files.readString(ConfigLoaderPaths.repo().resolve("README.md"));
        assertTrue(readme.contains(ExitCode.markdownTable()), "README.md's exit codes differ from ExitCode; paste "
                + "ExitCode.markdownTable():\n" + ExitCode.markdownTable());
        String launcher = Files.readString(ConfigLoaderPaths.repo().resolve("submit/lib/launch.sh"));
        assertTrue(launcher.contains("BUILD_FAILED=" + ExitCode.BUILD_FAILED.code() + "\n"), "submit/lib/launch.sh");
    }

    /** Every relative link of the README and of docs/ names a file that exists. */
    @Test
    void documentationLinksResolve() throws IOException {
        Path repo = ConfigLoaderPaths.repo();
        List<Path> pages = new ArrayList<>(List.of(repo.resolve("README.md")));
        try (var docs = Files.list(repo.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        assertTrue(pages.size() > 5, pages.toString());
        Pattern link = Pattern.compile("\\]\\(([^)#:\\s]+)(#[^)]*)?\\)");
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            Matcher m = link.matcher(Files.readString(page));
            while (m.find()) {
                if (!Files.exists(page.getParent().resolve(m.group(1)))) {
                    broken.add(repo.relativize(page) + ": " + m.group(1));
                }
            }
        }
        assertTrue(broken.isEmpty(), broken.toString());
    }
}
