package io.sparktrain.datasets.imagenet;

import java.io.IOException;
import java.net.URI;
import java.util.List;

/** More images could not be decoded than an export allows; the message lists them. */
public final class UnreadableImagesException extends IOException {
    /** Files named in the message; the report beside the shards lists all. */
    static final int LISTED = 100;

    private final transient ExportReport report;

    UnreadableImagesException(ExportReport report, double maxFraction, URI reportUri) {
        super(message(report, maxFraction, reportUri));
        this.report = report;
    }

    public ExportReport report() {
        return report;
    }

    private static String message(ExportReport report, double maxFraction, URI reportUri) {
        List<FileProblem> unreadable = report.unreadable();
        StringBuilder text = new StringBuilder(String.format(
                "%s: %d of %d images (%.3f%%) cannot be decoded, more than the %.3f%% allowed "
                        + "(max-unreadable-fraction %s). Fix or remove them, or allow more:",
                report.dataset(), unreadable.size(), report.listed(), 100 * report.unreadableFraction(),
                100 * maxFraction, maxFraction));
        for (FileProblem problem : unreadable.subList(0, Math.min(LISTED, unreadable.size()))) {
            text.append("\n  ").append(problem);
        }
        if (unreadable.size() > LISTED) {
            text.append("\n  ... and ").append(unreadable.size() - LISTED).append(" more");
        }
        text.append("\nAll are listed in ").append(reportUri);
        return text.toString();
    }
}
