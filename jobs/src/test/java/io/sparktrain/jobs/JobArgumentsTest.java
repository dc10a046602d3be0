package io.sparktrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.JobKind;
import io.sparktrain.trainer.runs.Resume;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobArgumentsTest {
    @Test
    void parsesConfigOverridesAndResume() {
        JobArguments args = parse("--config", "conf/x.conf", "--set", "training.epochs=2", "--set", "a=b");
        assertEquals(Optional.of(Path.of("conf/x.conf")), args.configFile());
        assertEquals(List.of("training.epochs=2", "a=b"), args.overrides());
        assertEquals(Optional.of(Resume.last("run-1")), parse("--resume", "run-1").resume());
        assertEquals(Optional.of(new Resume("run-1", Optional.of(3))),
                parse("--resume", "run-1", "--from-epoch", "3").resume());
    }

    @Test
    void rejectsWhatItCannotRun() {
        assertTrue(message("--config").contains("--config needs a value"));
        assertTrue(message("--config", "--set", "a=b").contains("--config needs a value"));
        assertTrue(message("--config", "a", "--resume", "b").contains("exactly one of --config and --resume"));
        assertTrue(message().contains("exactly one of --config and --resume"));
        assertTrue(message("--config", "a", "--config", "b").contains("--config is given more than once"));
        assertTrue(message("--epochs", "3").contains("unknown argument '--epochs'"));
        assertTrue(message("--config=conf/x.conf").contains("did you mean '--config' followed by its value?"));
        assertTrue(message("--config", "a", "--from-epoch", "2").contains("--from-epoch applies only with --resume"));
        assertTrue(message("--resume", "r", "--from-epoch", "0").contains("--from-epoch 0: expected a whole number"));
        String benchmark = assertThrows(InvalidConfigException.class,
                () -> JobArguments.parse("benchmark", JobKind.TRAIN, "--resume", "r")).getMessage();
        assertTrue(benchmark.contains("unknown argument '--resume'") && benchmark.contains("usage: benchmark"),
                benchmark);
    }

    @Test
    void helpNeedsNothingElse() {
        JobArguments help = parse("--help");
        assertTrue(help.help());
        assertTrue(help.usage().contains("--from-epoch N"), help.usage());
    }

    @Test
    void resumingCannotChangeTheNetwork() {
        JobArguments args = parse("--resume", "run-1", "--set", "model.learning-rate=0.1");
        String message = assertThrows(InvalidConfigException.class, args::resolveConfig).getMessage();
        assertTrue(message.contains("model.learning-rate cannot be overridden when resuming"), message);
    }

    private static JobArguments parse(String... args) {
        return JobArguments.parse("train", JobKind.TRAIN, args);
    }

    private static String message(String... args) {
        return assertThrows(InvalidConfigException.class, () -> parse(args)).getMessage();
    }
}
