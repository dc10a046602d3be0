package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.JobKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scheduling examples in conf/scheduling run the retraining job as it is: each names the real
 * script or class, the shipped config (which must load for submit/retrain), and treats exit code 9
 * as the normal outcome it is. The Airflow DAG is parsed by Python where Python is installed.
 */
class SchedulingExamplesTest {
    private static final Path DIR = ConfigLoaderPaths.repo().resolve("conf/scheduling");
    private static final String COMMAND = "submit/retrain --config conf/retrain-mnist.conf --data ";

    @Test
    void theShippedRetrainingConfigLoadsForTheRetrainJob() {
        ConfigLoader.load(ConfigLoaderPaths.repo().resolve("conf/retrain-mnist.conf"), List.of(), JobKind.RETRAIN);
    }

    @Test
    void theCrontabLineIsFiveFieldsAndTheRetrainCommand() throws IOException {
        List<String> entries = Files.readAllLines(DIR.resolve("crontab")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertEquals(1, entries.size(), entries.toString());
        String[] fields = entries.get(0).split("\\s+", 6);
        for (int i = 0; i < 5; i++) {
            assertTrue(fields[i].matches("[0-9*,/-]+"), "schedule field " + (i + 1) + ": " + fields[i]);
        }
        assertTrue(fields[5].contains(COMMAND), fields[5]);
        assertTrue(!fields[5].replace("\\%", "").contains("%"), "cron ends a command at an unescaped %");
    }

    @Test
    void theSystemdUnitsRunTheCommandAndAcceptNotPromoted() throws IOException {
        String service = Files.readString(DIR.resolve("sparktrain-retrain.service"));
        assertTrue(service.contains("Type=oneshot"), service);
        assertTrue(service.contains("SuccessExitStatus=" + ExitCode.NOT_PROMOTED.code() + "\n"), service);
        assertTrue(service.lines().anyMatch(line -> line.startsWith("ExecStart=") && line.contains(COMMAND)), service);
        String timer = Files.readString(DIR.resolve("sparktrain-retrain.timer"));
        assertTrue(timer.contains("OnCalendar=") && timer.contains("WantedBy=timers.target"), timer);
    }

    @Test
    void theAirflowDagSubmitsTheRetrainJobAndParses() throws IOException, InterruptedException {
        Path dag = DIR.resolve("retrain_mnist_dag.py");
        String text = Files.readString(dag);
        assertTrue(text.contains("java_class=\"" + RetrainJob.class.getName() + "\""), text);
        assertTrue(text.contains("jobs/target/sparktrain-job.jar"), "the jar submit/ builds");
        assertTrue(text.contains("conf/retrain-mnist.conf"), text);
        Path python = Path.of("/usr/bin/python3");
        if (Files.isExecutable(python)) {
            Process parse = new ProcessBuilder(python.toString(), "-c",
                    "import ast, sys; ast.parse(open(sys.argv[1]).read())", dag.toString())
                    .redirectErrorStream(true).start();
            assertTrue(parse.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, parse.exitValue(), new String(parse.getInputStream().readAllBytes()));
        }
    }
}
