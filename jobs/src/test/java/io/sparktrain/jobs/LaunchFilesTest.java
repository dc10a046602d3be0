package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
        java.util.Set<String> named = new java.util.TreeSet<>();
        for (String script : List.of("submit/cluster", "submit/lib/launch.sh")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("org\\.apache\\.spark\\.deploy\\.[\\w.]+")
                    .matcher(Files.readString(ConfigLoaderPaths.repo().resolve(script)));
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertTrue(named.containsAll(List.of("org.apache.spark.deploy.SparkSubmit",
                "org.apache.spark.deploy.master.Master", "org.apache.spark.deploy.worker.Worker")), named.toString());
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
    }
}
