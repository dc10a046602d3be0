package io.sparktrain.trainer.plots;

import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;

/**
 * A confusion matrix as a PNG heat map: true classes down, predicted classes across, each cell
 * showing its count. The shade runs from none to the largest count off the diagonal, which the
 * diagonal's cells all reach: a handful of mistakes shows beside thousands of right answers.
 */
public final class ConfusionHeatMap {
    private ConfusionHeatMap() {}

    /** @param counts {@code counts[actual][predicted]}; @param classes the class names in index order */
    public static byte[] png(String title, long[][] counts, List<String> classes) {
        int n = classes.size();
        // 40 pixels a class, and room for the axes; at least the size of a line chart's square.
        int side = Math.max(480, Math.min(1600, 40 * n + 160));
        // Built through a theme: XChart 3.8.8's plain constructor leaves the heat map's styler without
        // its axis defaults (a NullPointerException when drawn).
        HeatMapChart chart = new HeatMapChart(side, side, Styler.ChartTheme.XChart);
        chart.setTitle(title);
        chart.setXAxisTitle("predicted");
        chart.setYAxisTitle("true");
        HeatMapStyler styler = chart.getStyler();
        Charts.style(styler);
        styler.setLegendVisible(false);
        styler.setShowValue(n <= 30);
        styler.setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, n <= 12 ? 12 : 9));
        styler.setValueFontColor(Color.BLACK);
        styler.setRangeColors(new Color[] {Color.WHITE, new Color(0xfdae6b), new Color(0xe6550d)});
        styler.setHeatMapValueDecimalPattern("0");
        styler.setXAxisLabelRotation(n > 12 ? 90 : 0);
        long mostConfused = 0;
        List<Number[]> cells = new ArrayList<>();
        for (int actual = 0; actual < n; actual++) {
            for (int predicted = 0; predicted < n; predicted++) {
                long count = counts[actual][predicted];
                mostConfused = actual == predicted ? mostConfused : Math.max(mostConfused, count);
                // The first true class on top: XChart counts rows from the bottom.
                cells.add(new Number[] {predicted, n - 1 - actual, count});
            }
        }
        List<String> down = new ArrayList<>(classes);
        Collections.reverse(down);
        chart.addSeries("confusion", classes, down, cells).setMin(0).setMax(Math.max(1, mostConfused));
        return Charts.png(chart);
    }
}
