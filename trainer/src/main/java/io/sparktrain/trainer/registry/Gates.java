package io.sparktrain.trainer.registry;

import io.sparktrain.trainer.config.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Whether a challenger is blessed, by thresholds stated in the config as TFMA states them: a value
 * threshold (its accuracy on the holdout is at least a bound) and a change threshold against the
 * champion on the same holdout (its accuracy minus the champion's is at least a bound, which may
 * be negative to allow "not worse by more than"). Without a champion only value thresholds apply.
 * Every threshold gives a reason, passed or failed, so a decision can be read afterwards.
 */
public record Gates(OptionalDouble minAccuracy, OptionalDouble minAccuracyDelta) {

    /** The verdict and a reason per threshold. */
    public record Decision(boolean blessed, List<String> reasons) {}

    public static Gates of(TrainConfig.Retrain retrain) {
        return new Gates(parse(retrain.minAccuracy()), parse(retrain.minAccuracyDelta()));
    }

    private static OptionalDouble parse(String gate) {
        return gate.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(gate));
    }

    public Decision judge(double accuracy, OptionalDouble championAccuracy) {
        List<String> reasons = new ArrayList<>();
        boolean blessed = true;
        if (minAccuracy.isPresent()) {
            boolean passed = accuracy >= minAccuracy.getAsDouble();
            blessed &= passed;
            reasons.add(String.format(Locale.ROOT, "accuracy %.4f %s %s", accuracy, passed ? ">=" : "<",
                    minAccuracy.getAsDouble()));
        }
        if (minAccuracyDelta.isPresent()) {
            if (championAccuracy.isEmpty()) {
                reasons.add("no champion: the change threshold does not apply");
            } else {
                double delta = accuracy - championAccuracy.getAsDouble();
                boolean passed = delta >= minAccuracyDelta.getAsDouble();
                blessed &= passed;
                reasons.add(String.format(Locale.ROOT, "accuracy %.4f - champion's %.4f = %+.4f %s %s", accuracy,
                        championAccuracy.getAsDouble(), delta, passed ? ">=" : "<", minAccuracyDelta.getAsDouble()));
            }
        }
        return new Decision(blessed, reasons);
    }
}
