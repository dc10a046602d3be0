package io.sparktrain.trainer.plots;

import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/** The look every chart of a report shares, and their PNG encoding. */
final class Charts {
    // Twelve distinguishable colours: a grid of techniques draws up to eleven lines in one chart.
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2),
            new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf), new Color(0x000080), new Color(0x808000)};

    private Charts() {}

    static Color color(int index) {
        return PALETTE[index % PALETTE.length];
    }

    static void style(Styler styler) {
        if (styler instanceof AxesChartStyler axes) {
            // Tick labels read the same on every machine.
            axes.setLocale(Locale.ROOT);
        }
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(Color.GRAY);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setChartTitleBoxVisible(false);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setAntiAlias(true);
    }

    static byte[] png(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) {
        BufferedImage image = BitmapEncoder.getBufferedImage(chart);
        return Png.encode(image);
    }
}
