package io.sparktrain.trainer.plots;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A PNG chart of lines and points, drawn with Java2D so that no plotting library or display is
 * needed: loss curves and data-versus-prediction scatters for the reports a person looks at.
 * A logarithmic y axis suits losses that fall over orders of magnitude.
 */
public final class Chart {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;
    // Twelve distinguishable colours: a grid of techniques draws up to eleven lines in one chart.
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2),
            new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf), new Color(0x000080), new Color(0x808000)};

    private record Series(String name, double[] x, double[] y, boolean line) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();

    public Chart(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    /** A line through {@code y} at x = 1, 2, ... (steps or epochs). */
    public Chart line(String name, double[] y) {
        double[] x = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            x[i] = i + 1;
        }
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

    public byte[] png() {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(g);
        } finally {
            g.dispose();
        }
        return Png.encode(image);
    }

    private void draw(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        double[] xRange = range(true);
        double[] yRange = range(false);
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i <= 5; i++) {
            double fraction = i / 5.0;
            int px = LEFT + (int) Math.round(fraction * plotWidth);
            int py = TOP + plotHeight - (int) Math.round(fraction * plotHeight);
            g.setColor(new Color(0xe8e8e8));
            g.drawLine(px, TOP, px, TOP + plotHeight);
            g.drawLine(LEFT, py, LEFT + plotWidth, py);
            g.setColor(Color.DARK_GRAY);
            String xTick = format(xRange[0] + fraction * (xRange[1] - xRange[0]));
            g.drawString(xTick, px - metrics.stringWidth(xTick) / 2, TOP + plotHeight + 16);
            double yValue = yRange[0] + fraction * (yRange[1] - yRange[0]);
            String yTick = format(logY ? Math.pow(10, yValue) : yValue);
            g.drawString(yTick, LEFT - 6 - metrics.stringWidth(yTick), py + 4);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, plotWidth, plotHeight);
        g.drawString(xLabel, LEFT + plotWidth / 2 - metrics.stringWidth(xLabel) / 2, HEIGHT - 20);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        String yText = yLabel + (logY ? " (log scale)" : "");
        rotated.drawString(yText, -(TOP + plotHeight / 2) - metrics.stringWidth(yText) / 2, 18);
        rotated.dispose();
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 25);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setClip(LEFT, TOP, plotWidth + 1, plotHeight + 1);
        for (int s = 0; s < series.size(); s++) {
            Series one = series.get(s);
            g.setColor(PALETTE[s % PALETTE.length]);
            g.setStroke(new BasicStroke(1.5f));
            Path2D.Double path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < one.x().length; i++) {
                double y = value(one.y()[i]);
                if (!Double.isFinite(y)) {
                    continue;
                }
                double px = LEFT + (one.x()[i] - xRange[0]) / (xRange[1] - xRange[0]) * plotWidth;
                double py = TOP + plotHeight - (y - yRange[0]) / (yRange[1] - yRange[0]) * plotHeight;
                if (one.line()) {
                    if (started) {
                        path.lineTo(px, py);
                    } else {
                        path.moveTo(px, py);
                        started = true;
                    }
                } else {
                    g.fillOval((int) px - 2, (int) py - 2, 4, 4);
                }
            }
            if (one.line()) {
                g.draw(path);
            }
        }
        g.setClip(null);
        // The legend takes the upper corner unless the lines end up there, as rising accuracies do.
        double ends = 0;
        for (Series one : series.stream().filter(one -> one.y().length > 0).toList()) {
            ends += (value(one.y()[one.y().length - 1]) - yRange[0]) / (yRange[1] - yRange[0]) / series.size();
        }
        int legendTop = ends > 0.5 ? TOP + plotHeight - 16 * series.size() : TOP + 16;
        for (int s = 0; s < series.size(); s++) {
            g.setColor(PALETTE[s % PALETTE.length]);
            int y = legendTop + 16 * s;
            g.fillRect(LEFT + plotWidth - 190, y - 9, 12, 10);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s).name(), LEFT + plotWidth - 172, y);
        }
    }

    private double value(double y) {
        return logY ? (y > 0 ? Math.log10(y) : Double.NaN) : y;
    }

    private double[] range(boolean xAxis) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series one : series) {
            for (double raw : xAxis ? one.x() : one.y()) {
                double v = xAxis ? raw : value(raw);
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (!Double.isFinite(min)) {
            return new double[] {0, 1};
        }
        if (max - min < 1e-12) {
            return new double[] {min - 0.5, max + 0.5};
        }
        double pad = xAxis ? 0 : 0.05 * (max - min);
        return new double[] {min - pad, max + pad};
    }

    private static String format(double v) {
        double magnitude = Math.abs(v);
        if (magnitude != 0 && (magnitude < 1e-2 || magnitude >= 1e5)) {
            return String.format(Locale.ROOT, "%.1e", v);
        }
        return String.format(Locale.ROOT, magnitude >= 100 ? "%.0f" : "%.3g", v);
    }
}
