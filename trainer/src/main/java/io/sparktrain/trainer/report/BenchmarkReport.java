package io.sparktrain.trainer.report;

import io.sparktrain.trainer.plots.BarChart;
import java.util.List;

/** The page of a benchmark: its table, the notes under it, and a bar chart of every mode's samples/s. */
public final class BenchmarkReport {
    private BenchmarkReport() {}

    /**
     * @param rows one per mode, the mode's name first, in {@code header}'s order
     * @param samplesPerSecond one per row, in order
     */
    public static byte[] page(String title, String machine, List<String> header, List<List<String>> rows,
            double[] samplesPerSecond, List<String> notes) {
        List<String> modes = rows.stream().map(row -> row.get(0)).toList();
        Page page = new Page(title).heading(title, machine);
        page.section("results", "Results");
        page.table(header, rows);
        notes.forEach(page::paragraph);
        page.section("throughput", "Training throughput");
        page.images(List.of(new Page.Image("Samples/s per mode", new BarChart("Training throughput", "mode",
                "samples/s", modes).series("samples/s", samplesPerSecond).png())));
        return page.bytes();
    }
}
