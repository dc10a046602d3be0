package io.sparktrain.trainer.config;

import java.util.List;

/** A config that cannot run; the message names every offending key, its value and what is allowed. */
public final class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(String problem) {
        super(problem);
    }

    public InvalidConfigException(String problem, Throwable cause) {
        super(problem, cause);
    }

    public InvalidConfigException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : problems.size() + " problems:\n  " + String.join("\n  ", problems));
    }
}
