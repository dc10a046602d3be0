package io.sparktrain.trainer.report;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained HTML page: inline style, images embedded as data URIs, no scripts, so that it
 * reads the same opened from a laptop, a copy out of HDFS or an archive, with no network.
 */
final class Page {
    private static final String STYLE = """
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto;
                   max-width: 1200px; padding: 0 16px; color: #222; }
            h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px;
                   border-bottom: 1px solid #ddd; padding-bottom: 4px; }
            .meta { color: #666; font-size: 13px; }
            table { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
            th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            th { background: #f4f4f4; }
            .charts { display: flex; flex-wrap: wrap; gap: 12px; }
            .charts img { width: 580px; max-width: 100%; border: 1px solid #eee; }
            .note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 6px 12px; }
            pre { background: #f7f7f7; padding: 12px; overflow-x: auto; font-size: 12px; }
            """;

    private final StringBuilder body = new StringBuilder();
    private final String title;

    Page(String title) {
        this.title = title;
    }

    Page heading(String text, String meta) {
        body.append("<h1>").append(escape(text)).append("</h1>\n<p class=\"meta\">").append(escape(meta))
                .append("</p>\n");
        return this;
    }

    /** A section; its id lets a reader (or a test) find it. */
    Page section(String id, String heading) {
        body.append("<h2 id=\"").append(id).append("\">").append(escape(heading)).append("</h2>\n");
        return this;
    }

    Page paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    Page note(String text) {
        body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
        return this;
    }

    Page table(List<String> header, List<List<String>> rows) {
        body.append("<table>\n<tr>");
        header.forEach(cell -> body.append("<th>").append(escape(cell)).append("</th>"));
        body.append("</tr>\n");
        for (List<String> row : rows) {
            body.append("<tr>");
            row.forEach(cell -> body.append("<td>").append(escape(cell)).append("</td>"));
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** PNG images side by side, each with its alternative text. */
    Page images(List<Image> images) {
        body.append("<div class=\"charts\">\n");
        for (Image image : images) {
            body.append("<img alt=\"").append(escape(image.alt())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(image.png())).append("\">\n");
        }
        body.append("</div>\n");
        return this;
    }

    Page preformatted(String text) {
        body.append("<pre>").append(escape(text)).append("</pre>\n");
        return this;
    }

    byte[] bytes() {
        String html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title)
                + "</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n" + body + "<p class=\"meta\">Drawn "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " by sparktrain.</p>\n</body>\n</html>\n";
        return html.getBytes(StandardCharsets.UTF_8);
    }

    record Image(String alt, byte[] png) {}

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A figure for a table cell: four significant digits, grouped thousands, or a dash when absent. */
    static String figure(double value) {
        if (!Double.isFinite(value)) {
            return Double.isNaN(value) ? "–" : String.valueOf(value);
        }
        if (Math.abs(value) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        String text = String.format(Locale.ROOT, "%.4g", value);
        return text.contains(".") && !text.contains("e") ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text;
    }

    static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.2f%%", 100 * fraction) : "–";
    }
}
