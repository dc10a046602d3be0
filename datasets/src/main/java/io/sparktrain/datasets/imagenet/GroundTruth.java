package io.sparktrain.datasets.imagenet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Labels for a flat folder of validation images from a ground-truth file, whose format is told
 * from its first line. Every line is checked against that format; a malformed line, a line that
 * names an image the folder does not hold, or a count that does not match fails with the file, the
 * line and what was expected. Images that no line labels are returned, to be reported.
 */
public final class GroundTruth {
    private static final Pattern INTEGER = Pattern.compile("\\d+");

    /** The formats {@link #read} recognises. */
    public enum Format {
        /** Kaggle's {@code LOC_val_solution.csv}: header {@code ImageId,PredictionString}; label = first token. */
        KAGGLE_CSV("ImageId,PredictionString rows (Kaggle's LOC_val_solution.csv)"),
        /** {@code <file name> <wnid> [anything]} per line, e.g. Tiny ImageNet's {@code val_annotations.txt}. */
        FILE_AND_WNID("'<file name> <wnid> ...' lines (Tiny ImageNet's val_annotations.txt)"),
        /** One WNID per line, for the images in file-name order. */
        WNID_PER_LINE("one WNID per line, for the images in file-name order"),
        /** One ILSVRC2012_ID per line, for the images in file-name order (the devkit's ground truth). */
        ILSVRC2012_IDS("one ILSVRC2012_ID per line, for the images in file-name order "
                + "(ILSVRC2012_validation_ground_truth.txt)");

        private final String description;

        Format(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /**
     * @param wnidByImage the class of each labelled image, by file name
     * @param unlabeled file names of the images no line labels
     */
    public record Labels(Format format, Map<String, String> wnidByImage, List<String> unlabeled) {}

    private GroundTruth() {}

    /**
     * Labels the images named {@code imageNames} (file names, without directories), found in and
     * below {@code imageDir}, from {@code file}.
     */
    public static Labels read(Path file, Path imageDir, List<String> imageNames) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
            lines.set(0, lines.get(0).substring(1));
        }
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new GroundTruthException(file, "is empty; expected " + expectedFormats());
        }
        Format format = detect(file, first + 1, lines.get(first).strip());
        List<String> sorted = new ArrayList<>(imageNames);
        sorted.sort(null);
        Map<String, String> labels = switch (format) {
            case KAGGLE_CSV -> keyed(file, imageDir, lines, first + 1, format, byStem(file, sorted));
            case FILE_AND_WNID -> keyed(file, imageDir, lines, first, format, byName(sorted));
            case WNID_PER_LINE, ILSVRC2012_IDS -> positional(file, imageDir, lines, first, format, sorted);
        };
        List<String> unlabeled = sorted.stream().filter(name -> !labels.containsKey(name)).toList();
        return new Labels(format, labels, unlabeled);
    }

    static Format detect(Path file, int lineNumber, String line) throws GroundTruthException {
        String[] tokens = line.split("\\s+");
        if (line.replace(" ", "").equalsIgnoreCase("ImageId,PredictionString")) {
            return Format.KAGGLE_CSV;
        }
        if (tokens.length == 1 && INTEGER.matcher(line).matches()) {
            return Format.ILSVRC2012_IDS;
        }
        if (tokens.length == 1 && ClassSubsets.isWnid(line)) {
            return Format.WNID_PER_LINE;
        }
        if (tokens.length >= 2 && ClassSubsets.isWnid(tokens[1])) {
            return Format.FILE_AND_WNID;
        }
        throw new GroundTruthException(file, lineNumber, "'" + abbreviate(line)
                + "' is in no ground-truth format known here; expected " + expectedFormats());
    }

    private static String expectedFormats() {
        List<String> formats = new ArrayList<>();
        for (Format format : Format.values()) {
            formats.add(format.description());
        }
        return String.join(", or ", formats);
    }

    /** Kaggle names images without their extension. */
    private static Map<String, String> byStem(Path file, List<String> names) throws GroundTruthException {
        Map<String, String> byStem = new HashMap<>();
        for (String name : names) {
            int dot = name.lastIndexOf('.');
            String stem = dot > 0 ? name.substring(0, dot) : name;
            String other = byStem.put(stem, name);
            if (other != null) {
                throw new GroundTruthException(file, "names images without their extension, but " + other
                        + " and " + name + " share the name " + stem);
            }
        }
        return byStem;
    }

    private static Map<String, String> byName(List<String> names) {
        Map<String, String> byName = new HashMap<>();
        for (String name : names) {
            byName.put(name, name);
        }
        return byName;
    }

    private static Map<String, String> keyed(Path file, Path imageDir, List<String> lines, int from, Format format,
            Map<String, String> images) throws GroundTruthException {
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        for (int i = from; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int lineNumber = i + 1;
            String key;
            String wnid;
            if (format == Format.KAGGLE_CSV) {
                int comma = line.indexOf(',');
                String[] prediction = comma < 0 ? new String[0] : line.substring(comma + 1).strip().split("\\s+");
                if (comma <= 0 || prediction[0].isEmpty()) {
                    throw new GroundTruthException(file, lineNumber, "expected '<ImageId>,<WNID> <box> ...', found '"
                            + abbreviate(line) + "'");
                }
                key = line.substring(0, comma).strip();
                wnid = prediction[0];
            } else {
                String[] tokens = line.split("\\s+");
                if (tokens.length < 2) {
                    throw new GroundTruthException(file, lineNumber, "expected '<file name> <WNID> ...', found '"
                            + abbreviate(line) + "'");
                }
                key = tokens[0];
                wnid = tokens[1];
            }
            if (!ClassSubsets.isWnid(wnid)) {
                throw new GroundTruthException(file, lineNumber, "expected a WNID such as n01440764 as the label of "
                        + key + ", found '" + abbreviate(wnid) + "'");
            }
            String image = images.get(key);
            if (image == null) {
                throw new GroundTruthException(file, lineNumber, "labels " + key + ", which is not an image in "
                        + imageDir + " or the folders below it");
            }
            Integer previous = lineOf.putIfAbsent(image, lineNumber);
            if (previous != null) {
                throw new GroundTruthException(file, lineNumber, "labels " + key + " again (first on line "
                        + previous + ")");
            }
            labels.put(image, wnid);
        }
        return labels;
    }

    private static Map<String, String> positional(Path file, Path imageDir, List<String> lines, int from, Format format,
            List<String> sortedImages) throws GroundTruthException {
        int last = lines.size() - 1;
        while (last >= from && lines.get(last).isBlank()) {
            last--;
        }
        List<String> wnids = new ArrayList<>();
        for (int i = from; i <= last; i++) {
            String line = lines.get(i).strip();
            int lineNumber = i + 1;
            if (format == Format.WNID_PER_LINE) {
                if (!ClassSubsets.isWnid(line)) {
                    throw new GroundTruthException(file, lineNumber, "expected one WNID such as n01440764 (the file "
                            + "holds one per line, for the images in file-name order), found '" + abbreviate(line) + "'");
                }
                wnids.add(line);
            } else {
                if (!INTEGER.matcher(line).matches() || line.length() > 4
                        || Integer.parseInt(line) < 1 || Integer.parseInt(line) > Ilsvrc2012.CLASSES) {
                    throw new GroundTruthException(file, lineNumber, "expected one ILSVRC2012_ID in [1, "
                            + Ilsvrc2012.CLASSES + "] (the file holds one per line, for the images in file-name "
                            + "order), found '" + abbreviate(line) + "'");
                }
                wnids.add(Ilsvrc2012.wnid(Integer.parseInt(line)));
            }
        }
        if (wnids.size() != sortedImages.size()) {
            throw new GroundTruthException(file, "holds " + wnids.size() + " labels for the " + sortedImages.size()
                    + " images in " + imageDir + " and the folders below it; " + format.description()
                    + " needs exactly one line per image");
        }
        Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < wnids.size(); i++) {
            labels.put(sortedImages.get(i), wnids.get(i));
        }
        return labels;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
