package io.sparktrain.trainer.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GanRecorderTest {
    private static String line(int epoch, String quality) {
        return "{\"epoch\":" + epoch + ",\"seconds\":10.5,\"real_examples\":60000,\"discriminator_loss\":0.5,"
                + "\"generator_loss\":2,\"discriminator_accuracy\":0.9" + quality + "}";
    }

    @Test
    void theSummaryAddsUpEpochsAndFindsTheBestJudgedOnes() throws IOException {
        // Epoch 1 was trained before a classifier was configured (a resumed run may add one).
        List<String> lines = List.of(line(1, ""),
                line(2, ",\"classifier_score\":4.5,\"frechet_distance\":120"),
                line(3, ",\"classifier_score\":6.25,\"frechet_distance\":95"),
                line(4, ",\"classifier_score\":5.0,\"frechet_distance\":90"));
        Map<String, Object> summary = GanRecorder.summary("run", lines);
        assertEquals(4, summary.get("epochs"));
        assertEquals(42.0, summary.get("seconds"));
        assertEquals(240_000L, summary.get("real_examples"));
        assertEquals(5.0, summary.get("classifier_score"), "the last epoch's");
        assertEquals(6.25, summary.get("best_classifier_score"));
        assertEquals(3, summary.get("best_classifier_score_epoch"));
        assertEquals(90.0, summary.get("lowest_frechet_distance"));
        assertEquals(4, summary.get("lowest_frechet_distance_epoch"));

        Map<String, Object> unjudged = GanRecorder.summary("run", List.of(line(1, "")));
        assertFalse(unjudged.containsKey("classifier_score"));
        assertFalse(unjudged.containsKey("best_classifier_score_epoch"));
    }
}
