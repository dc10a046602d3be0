package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.InvalidConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobArgumentsTest {
    @Test
    void parsesConfigOverridesAndResume() {
        JobArguments args = JobArguments.parse("--config", "conf/x.conf", "--set", "training.epochs=2", "--set", "a=b");
        assertEquals(Optional.of(Path.of("conf/x.conf")), args.configFile());
        assertEquals(List.of("training.epochs=2", "a=b"), args.overrides());
        assertEquals(Optional.of("run-1"), JobArguments.parse("--resume", "run-1").resumeRunId());
    }

    @Test
    void rejectsWhatItCannotRun() {
        assertTrue(message("--config").contains("--config needs a value"));
        assertTrue(message("--config", "a", "--resume", "b").contains("exactly one of --config and --resume"));
        assertTrue(message().contains("exactly one of --config and --resume"));
        assertTrue(message("--epochs", "3").contains("unknown argument '--epochs'"));
    }

    @Test
    void resumingCannotChangeTheNetwork() {
        JobArguments args = JobArguments.parse("--resume", "run-1", "--set", "model.learning-rate=0.1");
        String message = assertThrows(InvalidConfigException.class, args::resolveConfig).getMessage();
        assertTrue(message.contains("model.learning-rate cannot be overridden when resuming"), message);
    }

    private static String message(String... args) {
        return assertThrows(InvalidConfigException.class, () -> JobArguments.parse(args)).getMessage();
    }
}
