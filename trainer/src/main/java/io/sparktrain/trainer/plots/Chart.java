package io.sparktrain.trainer.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG chart of lines and points, drawn by XChart without a display: loss and accuracy curves,
 * data-versus-prediction scatters. A logarithmic y axis, asked for losses that fall over orders of
 * magnitude, is used once the values span a decade; {@link #wholeNumberX()} labels only whole x
 * values, for epochs.
 */
public final class Chart {
    static final int WIDTH = 800;
    static final int HEIGHT = 500;
    /** A line with at most this many points shows each of them: an epoch curve, not a step curve. */
    private static final int MARKED_POINTS = 40;

    private record Series(String name, double[] x, double[] y, boolean line) {}

    private record Marker(double x, String label) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();
    private boolean wholeNumberX;

    public Chart(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    /** A line through {@code y} at x = 1, 2, ... (steps or epochs). */
    public Chart line(String name, double[] y) {
        double[] x = new double[y.length];
        Arrays.setAll(x, i -> i + 1);
        return line(name, x, y);
    }

    public Chart line(String name, double[] x, double[] y) {
        series.add(new Series(name, x.clone(), y.clone(), true));
        return this;
    }

    public Chart points(String name, double[] x, double[] y) {
        series.add(new Series(name, x.clone(), y.clone(), false));
        return this;
    }

    /** Labels the x axis at whole numbers only, as epochs are counted. */
    public Chart wholeNumberX() {
        wholeNumberX = true;
        return this;
    }

    /** A dashed vertical line at {@code x}, labelled, such as the epoch a run was resumed after. */
    public Chart marker(double x, String label) {
        markers.add(new Marker(x, label));
        return this;
    }

    public byte[] png() {
        return Charts.png(draw());
    }

    /** The chart as XChart holds it, ready to paint. */
    XYChart draw() {
        boolean log = logarithmic();
        XYChart chart = new XYChart(WIDTH, HEIGHT);
        chart.setTitle(title);
        chart.setXAxisTitle(xLabel);
        chart.setYAxisTitle(yLabel + (log ? " (log scale)" : ""));
        XYStyler styler = chart.getStyler();
        Charts.style(styler);
        styler.setYAxisLogarithmic(log);
        // XChart's own pattern drops the zero before the point (".001").
        styler.setYAxisDecimalPattern("#,##0.#######");
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Vertical);
        styler.setLegendVisible(series.size() > 1 || series.stream().anyMatch(s -> !s.name().isEmpty()));
        double[] xRange = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        double[] yRange = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        int drawn = 0;
        for (Series one : series) {
            double[] y = plottable(one.y(), log);
            if (Arrays.stream(y).noneMatch(Double::isFinite)) {
                continue;
            }
            XYSeries added = chart.addSeries(one.name(), one.x(), y);
            added.setLineColor(Charts.color(drawn));
            added.setMarkerColor(Charts.color(drawn));
            added.setFillColor(Charts.color(drawn));
            if (one.line()) {
                added.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                added.setMarker(one.x().length <= MARKED_POINTS ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            } else {
                added.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                added.setMarker(SeriesMarkers.CIRCLE);
            }
            for (int i = 0; i < y.length; i++) {
                if (Double.isFinite(y[i])) {
                    widen(xRange, one.x()[i]);
                    widen(yRange, y[i]);
                }
            }
            drawn++;
        }
        if (drawn == 0) {
            // XChart draws no axes without data; an empty chart still says what it would show.
            chart.addSeries("no finite values yet", new double[] {0, 1}, new double[] {Double.NaN, Double.NaN});
        } else {
            if (wholeNumberX) {
                wholeNumberTicks(styler, xRange[0], xRange[1]);
            }
            if (!log) {
                // A margin around the data: XChart otherwise ticks only at the data's own values
                // when they are evenly spaced (two epochs always are), with unrounded labels.
                double pad = yRange[1] > yRange[0] ? 0.06 * (yRange[1] - yRange[0])
                        : Math.max(Math.abs(yRange[0]) * 0.05, 1e-3);
                styler.setYAxisMin(yRange[0] - pad);
                styler.setYAxisMax(yRange[1] + pad);
            }
        }
        styler.setAnnotationLineColor(Color.GRAY);
        styler.setAnnotationLineStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {5f, 4f}, 0f));
        styler.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        styler.setAnnotationTextFontColor(Color.DARK_GRAY);
        for (Marker marker : drawn == 0 ? List.<Marker>of() : markers) {
            chart.addAnnotation(new AnnotationLine(marker.x(), true, false));
            chart.addAnnotation(new AnnotationText(marker.label(), marker.x(), yRange[1], false));
        }
        return chart;
    }

    /**
     * A logarithmic axis only where one was asked for and the values span a decade or more: within
     * one, XChart's logarithmic axis has no tick to label.
     */
    private boolean logarithmic() {
        double[] positive = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        series.stream().flatMapToDouble(one -> Arrays.stream(one.y())).filter(y -> Double.isFinite(y) && y > 0)
                .forEach(y -> widen(positive, y));
        return logY && positive[1] >= 10 * positive[0];
    }

    private static void widen(double[] range, double value) {
        range[0] = Math.min(range[0], value);
        range[1] = Math.max(range[1], value);
    }

    /** Values a logarithmic axis cannot place (zero, negative), and infinities, are left out as gaps. */
    private static double[] plottable(double[] y, boolean log) {
        double[] out = y.clone();
        for (int i = 0; i < out.length; i++) {
            if (!Double.isFinite(out[i]) || (log && out[i] <= 0)) {
                out[i] = Double.NaN;
            }
        }
        return out;
    }

    /**
     * An x axis from whole number to whole number with a tick step of at least one. XChart picks
     * steps of 1, 2 or 5 times a power of ten from the pixels it is given per tick, and ticks at
     * the data's own x values when they are evenly spaced (epochs 1, 2, 3, ...); labels must stay
     * unique, so fractional ticks cannot just go unlabelled.
     */
    private static void wholeNumberTicks(XYStyler styler, double xMin, double xMax) {
        double from = Math.floor(xMin);
        double to = Math.ceil(xMax);
        if (to - from < 1) {
            from -= 1;
            to += 1;
        }
        styler.setXAxisMin(from);
        styler.setXAxisMax(to);
        // A step of one needs about 0.75 of the plot's width per span unit (see XChart's grid step).
        styler.setXAxisTickMarkSpacingHint(Math.max(styler.getXAxisTickMarkSpacingHint(),
                (int) Math.ceil(0.8 * WIDTH / (to - from))));
        styler.setxAxisTickLabelsFormattingFunction(x -> Math.abs(x - Math.rint(x)) < 1e-9
                ? String.format(Locale.ROOT, "%d", (long) Math.rint(x)) : String.format(Locale.ROOT, "%.2f", x));
    }
}
