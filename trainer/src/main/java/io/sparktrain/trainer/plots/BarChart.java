package io.sparktrain.trainer.plots;

import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/** A PNG bar chart of one or more named series over the same categories, such as samples/s per run. */
public final class BarChart {
    private final CategoryChart chart = new CategoryChart(Chart.WIDTH, Chart.HEIGHT);
    private final List<String> categories;

    public BarChart(String title, String xLabel, String yLabel, List<String> categories) {
        this.categories = List.copyOf(categories);
        chart.setTitle(title);
        chart.setXAxisTitle(xLabel);
        chart.setYAxisTitle(yLabel);
        CategoryStyler styler = chart.getStyler();
        Charts.style(styler);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setLabelsVisible(true);
        styler.setLabelsPosition(0.9);
        styler.setYAxisMin(0.0);
        // The bars' labels follow the value axis's pattern; XChart's own prints every digit of 2303.747...
        styler.setYAxisDecimalPattern("#,##0.##");
        // Long category names (a benchmark's modes) side by side: XChart drops a label that overlaps another.
        styler.setXAxisLabelRotation(categories.stream().mapToInt(String::length).max().orElse(0) > 12 ? 45 : 0);
    }

    /** @param values one per category, in order; NaN where the series has none */
    public BarChart series(String name, double[] values) {
        if (values.length != categories.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for " + categories.size()
                    + " categories");
        }
        // XChart leaves a null out; a NaN would stop its label formatter.
        CategorySeries added = chart.addSeries(name, categories, java.util.Arrays.stream(values)
                .mapToObj(v -> Double.isFinite(v) ? (Double) v : null).toList());
        added.setFillColor(Charts.color(chart.getSeriesMap().size() - 1));
        return this;
    }

    public byte[] png() {
        chart.getStyler().setLegendVisible(chart.getSeriesMap().size() > 1);
        return Charts.png(chart);
    }
}
