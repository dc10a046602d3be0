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
}
