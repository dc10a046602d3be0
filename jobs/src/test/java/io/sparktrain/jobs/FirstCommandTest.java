package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command on a checkout without any build output, through the real build path
 * of the submit/ scripts: every other test runs them on the jar Maven already packaged.
 */
class FirstCommandTest {
    private static final long MINUTES = 10;

    @TempDir
    Path work;

    @Test
    void aFreshCheckoutBuildsOnceRunsAndReportsABrokenBuild() throws IOException, InterruptedException {
        Path checkout = copyOfTheCheckout(work.resolve("checkout"));
        Path jar = checkout.resolve("jobs/target/sparktrain-job.jar");
        assertFalse(Files.exists(checkout.resolve("jobs/target")));

        Run first = run(checkout, "first.log", "submit/train", "--describe-config");
        assertEquals(ExitCode.OK.code(), first.exit(), first.output());
        assertTrue(first.output().contains("Building the job jar"), first.output());
        assertTrue(first.output().contains(ConfigSchema.markdownReference()), first.output());
        assertTrue(Files.isRegularFile(jar));

        Run second = run(checkout, "second.log", "submit/train", "--describe-config");
        assertEquals(ExitCode.OK.code(), second.exit(), second.output());
        assertFalse(second.output().contains("Building"), "an up-to-date jar is used as it is:\n" + second.output());

        // A source newer than the jar is built again; one that does not compile ends with the build's code.
        Path source = checkout.resolve("jobs/src/main/java/io/sparktrain/jobs/TrainJob.java");
        Files.writeString(source, Files.readString(source) + "\nnot java\n");
        Run broken = run(checkout, "broken.log", "submit/train", "--describe-config");
        assertEquals(ExitCode.BUILD_FAILED.code(), broken.exit(), broken.output());
        assertTrue(broken.output().contains("the build failed") && broken.output().contains("TrainJob.java"),
                broken.output());
    }

    private record Run(int exit, String output) {}

    private Run run(Path checkout, String logName, String... command) throws IOException, InterruptedException {
        Path log = work.resolve(logName);
        int exit = Scripts.finish(Scripts.startIn(checkout, log, command), log, MINUTES);
        return new Run(exit, Scripts.read(log));
    }

    /** The files git has or would add here, as a clone holds them: no build output, runs or shards. */
    private static Path copyOfTheCheckout(Path copy) throws IOException, InterruptedException {
        Path repo = ConfigLoaderPaths.repo();
        Process git = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                .directory(repo.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String listing = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, git.waitFor(), "git ls-files in " + repo);
        for (String name : listing.split("\0")) {
            Path source = repo.resolve(name);
            // A file deleted in the working tree but not yet in the index is not part of the checkout.
            if (!name.isEmpty() && Files.isRegularFile(source)) {
                Path target = copy.resolve(name);
                Files.createDirectories(target.getParent());
                Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return copy;
    }
}
