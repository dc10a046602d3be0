package io.sparktrain.trainer.sync;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.TrainConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncStrategiesTest {
    private static TrainConfig.Model model(double decay) {
        return ConfigLoader.parse("model.learning-rate-decay = " + decay, "test", List.of()).model();
    }

    @Test
    void gradientSharingOnAClusterRefusesAnEpochDecayItCouldNotApply() {
        String message = assertThrows(IllegalStateException.class,
                () -> SyncStrategies.checkSchedule(model(0.7), false)).getMessage();
        assertTrue(message.startsWith("model.learning-rate-decay = 0.7: gradient-sharing executors"), message);
        assertTrue(message.contains("sync.strategy = parameter-averaging"), message);
        SyncStrategies.checkSchedule(model(0.7), true);
        SyncStrategies.checkSchedule(model(1), false);
    }
}
