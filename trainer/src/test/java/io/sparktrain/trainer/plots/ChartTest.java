package io.sparktrain.trainer.plots;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.XYStyler;

class ChartTest {
    private static BufferedImage read(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    @Test
    void aLossThatFallsOverDecadesGetsALogarithmicAxisAndOneWithinADecadeDoesNot() {
        XYChart decades = new Chart("loss", "epoch", "loss", true).line("loss", new double[] {2.3, 0.4, 0.05, 0.01})
                .draw();
        assertTrue(decades.getStyler().isYAxisLogarithmic());
        assertEquals("loss (log scale)", decades.getYAxisTitle());
        XYChart withinOne = new Chart("loss", "epoch", "loss", true).line("loss", new double[] {0.8, 0.42}).draw();
        assertFalse(withinOne.getStyler().isYAxisLogarithmic(), "XChart labels no tick within a decade");
        assertEquals("loss", withinOne.getYAxisTitle());
    }

    @Test
    void epochAxesRunFromWholeNumberToWholeNumberAndLabelOnlyWholeNumbersAsIntegers() {
        XYStyler rounds = new Chart("GAN", "epoch", "loss", false).wholeNumberX()
                .line("per round", new double[] {0.25, 0.75, 1.25, 1.75, 2.25, 2.75}, new double[] {1, 2, 3, 2, 1, 2})
                .draw().getStyler();
        assertEquals(0.0, rounds.getXAxisMin());
        assertEquals(3.0, rounds.getXAxisMax());
        assertEquals("2", rounds.getxAxisTickLabelsFormattingFunction().apply(2.0));
        assertTrue(rounds.getXAxisTickMarkSpacingHint() >= 0.75 * Chart.WIDTH / 3,
                "room enough per tick that XChart's step is a whole epoch");
        XYStyler one = new Chart("accuracy", "epoch", "accuracy", false).wholeNumberX()
                .line("accuracy", new double[] {0.98}).draw().getStyler();
        assertEquals(0.0, one.getXAxisMin(), "a single epoch sits between whole numbers, not alone on its axis");
        assertEquals(2.0, one.getXAxisMax());
    }

    @Test
    void theValueAxisHasAMarginSoThatTwoEpochsStillGetRoundTicks() {
        XYStyler styler = new Chart("accuracy", "epoch", "accuracy", false)
                .line("accuracy", new double[] {0.9, 0.95}).draw().getStyler();
        assertTrue(styler.getYAxisMin() < 0.9 && styler.getYAxisMax() > 0.95, styler.getYAxisMin() + " .. "
                + styler.getYAxisMax());
    }

    @Test
    void gapsInfinitiesAndEmptySeriesStillDraw() throws IOException {
        byte[] gaps = new Chart("loss", "epoch", "loss", true).wholeNumberX()
                .line("loss", new double[] {2, Double.NaN, 0, Double.POSITIVE_INFINITY, 0.01})
                .marker(2, "resumed after epoch 2").png();
        BufferedImage image = read(gaps);
        assertEquals(Chart.WIDTH, image.getWidth());
        assertEquals(Chart.HEIGHT, image.getHeight());
        byte[] nothing = new Chart("loss", "epoch", "loss", true).line("loss", new double[] {Double.NaN}).png();
        assertEquals(Chart.WIDTH, read(nothing).getWidth());
        assertNotEquals(Arrays.hashCode(gaps), Arrays.hashCode(nothing));
    }

    @Test
    void confusionMatricesAndBarChartsDraw() throws IOException {
        long[][] counts = {{50, 1, 0}, {2, 40, 3}, {0, 0, 61}};
        BufferedImage matrix = read(ConfusionHeatMap.png("confusion", counts, List.of("cat", "dog", "bird")));
        assertEquals(480, matrix.getWidth(), "at least a line chart's height, however few the classes");
        assertEquals(480, matrix.getHeight());
        BufferedImage bars = read(new BarChart("samples/s", "run", "samples/s", List.of("one JVM", "2 workers"))
                .series("this project", new double[] {1987, 2020}).series("PyTorch", new double[] {1276, Double.NaN})
                .png());
        assertEquals(Chart.WIDTH, bars.getWidth());
    }
}
