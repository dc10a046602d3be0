package io.sparktrain.trainer.reproduce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.datasets.tables.GeneratedTables;
import io.sparktrain.datasets.tables.Table;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerceptronTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("sparktrain.repo.root", ".."))
            .resolve("conf/examples/perceptron.conf");

    /** The largest norm R and the margin gamma of the generating line, over the table's points. */
    private static double[] radiusAndMargin(Table table) {
        double radius = 0;
        double margin = Double.MAX_VALUE;
        for (double[] x : table.features()) {
            radius = Math.max(radius, Math.hypot(x[0], x[1]));
            margin = Math.min(margin, Math.abs(x[1] - 0.5 * x[0] - 0.1) / Math.sqrt(1.25));
        }
        return new double[] {radius, margin};
    }

    @Test
    void updatesStayWithinTheBlockNovikoffBoundOnEverySeed() throws IOException {
        for (long seed = 1; seed <= 5; seed++) {
            ExampleResult result = ExampleRunner.run(Example.load(EXAMPLE, List.of("data.shuffle-seed=" + seed)).get(0));
            double[] rm = radiusAndMargin(result.run().table().orElseThrow());
            double bound = Math.pow(2 * rm[0] / rm[1], 2);
            double updates = result.rows().get(1).measured()[0];
            assertTrue(updates > 0 && updates <= bound, "seed " + seed + ": " + updates + " updates, bound " + bound);
            assertEquals(1.0, result.rows().get(0).measured()[0], "seed " + seed + " converged");
        }
    }

    @Test
    void theShippedBoundIsTheDatasBound() {
        Example example = Example.load(EXAMPLE, List.of()).get(0);
        double[] rm = radiusAndMargin(GeneratedTables.separable(example.config().data().trainExamples(),
                example.config().data().shuffleSeed()));
        Check bound = example.checks().get(1);
        assertEquals(Check.Bound.AT_MOST, bound.bound());
        assertEquals(Math.floor(Math.pow(2 * rm[0] / rm[1], 2)), bound.expected().get(0));
    }
}
