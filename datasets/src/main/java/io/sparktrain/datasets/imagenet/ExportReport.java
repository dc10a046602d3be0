package io.sparktrain.datasets.imagenet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;

/**
 * What an image export wrote and, by name, every file it did not: written beside the shards as
 * {@value #FILE_NAME} before the manifest, so even a failed export leaves its list.
 *
 * @param dataset the export's dataset name
 * @param directory the directory the images were read from
 * @param labels how they were labelled
 * @param listed images given to the export
 * @param exported images written into shards
 * @param classes the classes in label-index order
 * @param exportedPerClass images written per class index
 * @param unreadable images that could not be decoded, with the reason
 * @param decodedWithWarnings images exported although their reader warned, with the warnings
 * @param notImages files of the split that are not images
 * @param unlabeled images of the split without a label
 * @param imagesOutsideSelection images of classes that were not selected
 */
public record ExportReport(String dataset, String directory, String labels, int listed, int exported,
        List<String> classes, List<Integer> exportedPerClass, List<FileProblem> unreadable,
        List<FileProblem> decodedWithWarnings, List<FileProblem> notImages, List<FileProblem> unlabeled,
        int imagesOutsideSelection) {
    public static final String FILE_NAME = "export-report.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Unreadable images as a fraction of those listed. */
    public double unreadableFraction() {
        return listed == 0 ? 0 : (double) unreadable.size() / listed;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("a report always serializes", e);
        }
    }

    public static ExportReport fromJson(String json) throws IOException {
        return JSON.readValue(json, ExportReport.class);
    }
}
