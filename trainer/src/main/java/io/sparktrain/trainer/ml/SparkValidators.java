package io.sparktrain.trainer.ml;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.Param;
import java.io.Serializable;
import java.util.function.Predicate;
import scala.Function1;
import scala.runtime.AbstractFunction1;

/** Spark param validators (Scala functions, serializable with their stage) from Java predicates. */
final class SparkValidators {
    private SparkValidators() {}

    /** A serializable predicate: validators travel with the stage to executors and CrossValidator copies. */
    interface Check<T> extends Predicate<T>, Serializable {}

    static <T> Function1<T, Object> of(Check<T> check) {
        return new Validator<>(check);
    }

    /**
     * The values the config setting {@code setting} allows, so a param and its key accept the same.
     * The setting is found again by its key where the check runs: settings do not serialize.
     */
    @SuppressWarnings("unchecked")
    static <T> Function1<T, Object> allowedBy(Param<?> setting) {
        String key = setting.key();
        return of(value -> ((Param<Object>) ConfigSchema.ALL.stream().filter(p -> p.key().equals(key))
                .findFirst().orElseThrow()).accepts(value));
    }

    private static final class Validator<T> extends AbstractFunction1<T, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Check<T> check;

        Validator(Check<T> check) {
            this.check = check;
        }

        @Override
        public Object apply(T value) {
            return check.test(value);
        }
    }
}
