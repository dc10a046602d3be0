package io.sparktrain.trainer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.CommandLine.Option;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    private static final List<Option> OPTIONS = List.of(Option.single("--out", "FILE", "where"));

    @Test
    void operandsAreTakenInOrderAmongTheOptionsOnlyWhereTheCommandTakesThem() {
        CommandLine line = CommandLine.parseWithOperands("usage: report RUN...", OPTIONS, "a", "--out", "x.html", "b");
        assertEquals(List.of("a", "b"), line.operands());
        assertEquals(Optional.of("x.html"), line.value("--out"));
        InvalidConfigException refused = assertThrows(InvalidConfigException.class,
                () -> CommandLine.parse("usage: train", OPTIONS, "a"));
        assertTrue(refused.getMessage().startsWith("unknown argument 'a'"), refused.getMessage());
        assertThrows(InvalidConfigException.class,
                () -> CommandLine.parseWithOperands("usage: report RUN...", OPTIONS, "a", "--outt", "x"),
                "a mistyped option is not an operand");
    }

    @Test
    void aDecimalIsReadWithinItsRangeAndRefusedOutsideNamingTheRange() {
        List<Option> fraction = List.of(Option.single("--fraction", "F", "a share"));
        assertEquals(Optional.of(0.25), CommandLine.parse("usage: x", fraction, "--fraction", "0.25")
                .decimal("--fraction", 0, 1));
        assertEquals(Optional.empty(), CommandLine.parse("usage: x", fraction).decimal("--fraction", 0, 1));
        for (String bad : List.of("1.5", "-0.1", "half", "NaN")) {
            String message = assertThrows(InvalidConfigException.class, () -> CommandLine.parse("usage: x", fraction,
                    "--fraction", bad).decimal("--fraction", 0, 1)).getMessage();
            assertTrue(message.startsWith("--fraction " + bad + ": expected a number in [0, 1]"), message);
        }
    }
}
