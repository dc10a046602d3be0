package io.sparktrain.datasets.imagenet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the ImageNet layout on the driver's file system: {@code train/<wnid>/...} with images at any
 * depth below the class folder (so Tiny ImageNet's {@code train/<wnid>/images/} works), and
 * validation either as class folders {@code val/<wnid>/...} or as a flat folder of images labelled by
 * a {@link GroundTruth} file. Images are files ending in .JPEG, .jpg, .jpeg or .png, in any case;
 * every other file is reported in the split, never dropped unseen.
 */
public final class ImageNetLayout {
    public static final List<String> IMAGE_EXTENSIONS = List.of("jpeg", "jpg", "png");
    /** What {@link #validation} looks for, in the validation folder and its parent, when no file is given. */
    public static final List<String> GROUND_TRUTH_FILE_NAMES = List.of("LOC_val_solution.csv", "val_annotations.txt",
            "ILSVRC2012_validation_ground_truth.txt", "imagenet_2012_validation_synset_labels.txt");

    private static final Logger log = LoggerFactory.getLogger(ImageNetLayout.class);

    private ImageNetLayout() {}

    /**
     * The training images below {@code trainDir}, labelled by class folder.
     *
     * @param selection the classes to read, or null for every class folder; a selected class
     *     without a folder is an error naming it
     */
    public static ImageSplit train(String name, Path trainDir, ClassList selection) throws IOException {
        requireDirectory(trainDir, "training");
        List<Path> folders = new ArrayList<>();
        Listing loose = new Listing();
        for (Path child : children(trainDir)) {
            if (Files.isDirectory(child)) {
                folders.add(child);
            } else {
                loose.add(trainDir, child, -1);
            }
        }
        List<FileProblem> unlabeled = loose.images.stream()
                .map(image -> new FileProblem(image.file(), "not in a class folder")).toList();
        ClassList classes = selection != null ? selection : classesOfFolders(trainDir, folders);
        Map<String, Path> folderOf = new HashMap<>();
        for (Path folder : folders) {
            folderOf.put(folder.getFileName().toString(), folder);
        }
        List<String> missing = classes.names().stream().filter(wnid -> !folderOf.containsKey(wnid)).toList();
        if (!missing.isEmpty()) {
            throw new IOException("no training folder in " + trainDir + " for " + missing.size() + " of the "
                    + classes.size() + " selected classes: " + String.join(", ", missing));
        }
        List<String> unselected = folderOf.keySet().stream().filter(folder -> !classes.contains(folder)).sorted()
                .toList();
        Listing listing = scanClassFolders(trainDir, classes, folderOf);
        int[] counts = listing.counts(classes.size());
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                throw new IOException("training folder " + folderOf.get(classes.name(i)) + " holds no images ("
                        + "files ending in " + extensionsText() + ")");
            }
        }
        listing.notImages.addAll(loose.notImages);
        ImageSplit split = new ImageSplit(name, trainDir.toString(), "class folders", classes, listing.sortedImages(),
                listing.sortedNotImages(), unlabeled, unselected, 0);
        logSplit(split);
        return split;
    }

    /**
     * The validation images below {@code valDir}, labelled with {@code classes} (the training
     * split's, so that indices agree). With class folders, each folder names its images' class; else
     * the images anywhere below {@code valDir} are labelled by file name from {@code groundTruth}, or,
     * when that is null, from a file in {@link #GROUND_TRUTH_FILE_NAMES} found in {@code valDir} or its
     * parent. Images of classes outside {@code classes} are counted and left out.
     */
    public static ImageSplit validation(String name, Path valDir, ClassList classes, Path groundTruth)
            throws IOException {
        requireDirectory(valDir, "validation");
        ImageSplit split = groundTruth == null && hasClassFolders(valDir, classes)
                ? classFolderValidation(name, valDir, classes)
                : flatValidation(name, valDir, classes, groundTruth != null ? groundTruth : findGroundTruth(valDir));
        logSplit(split);
        return split;
    }

    /** Whether {@code file}'s name ends in one of {@link #IMAGE_EXTENSIONS}, in any case. */
    public static boolean isImageFile(Path file) {
        return IMAGE_EXTENSIONS.contains(extension(file));
    }

    private static ImageSplit classFolderValidation(String name, Path valDir, ClassList classes) throws IOException {
        Map<String, Path> folderOf = new HashMap<>();
        Listing loose = new Listing();
        Listing outside = new Listing();
        TreeSet<String> unselected = new TreeSet<>();
        for (Path child : children(valDir)) {
            String childName = child.getFileName().toString();
            if (!Files.isDirectory(child)) {
                loose.add(valDir, child, -1);
            } else if (classes.contains(childName)) {
                folderOf.put(childName, child);
            } else {
                unselected.add(childName);
                outside.walk(valDir, child, -1);
            }
        }
        Listing listing = scanClassFolders(valDir, classes, folderOf);
        List<String> absent = classes.names().stream().filter(wnid -> !folderOf.containsKey(wnid)).toList();
        if (!absent.isEmpty()) {
            log.warn("{}: no validation folder for {} of the {} classes: {}", valDir, absent.size(), classes.size(),
                    abbreviate(absent));
        }
        listing.notImages.addAll(loose.notImages);
        listing.notImages.addAll(outside.notImages);
        List<FileProblem> unlabeled = loose.images.stream()
                .map(image -> new FileProblem(image.file(), "not in a class folder")).toList();
        return new ImageSplit(name, valDir.toString(), "class folders", classes, listing.sortedImages(),
                listing.sortedNotImages(), unlabeled, List.copyOf(unselected), outside.images.size());
    }

    private static ImageSplit flatValidation(String name, Path valDir, ClassList classes, Path groundTruth)
            throws IOException {
        if (!Files.isRegularFile(groundTruth)) {
            throw new IOException("ground-truth file " + groundTruth + " does not exist or is not a file");
        }
        Listing all = new Listing();
        all.walk(valDir, valDir, -1);
        Map<String, ImageEntry> byName = new HashMap<>();
        for (ImageEntry image : all.images) {
            String fileName = Path.of(image.file()).getFileName().toString();
            ImageEntry other = byName.put(fileName, image);
            if (other != null) {
                throw new IOException(valDir + " holds two images named " + fileName + " (" + other.file() + " and "
                        + image.file() + "); a ground-truth file names images by file name alone");
            }
        }
        GroundTruth.Labels labels = GroundTruth.read(groundTruth, valDir, new ArrayList<>(byName.keySet()));
        List<ImageEntry> images = new ArrayList<>();
        List<FileProblem> unlabeled = new ArrayList<>();
        TreeSet<String> unselected = new TreeSet<>();
        int outside = 0;
        for (ImageEntry image : all.sortedImages()) {
            String wnid = labels.wnidByImage().get(Path.of(image.file()).getFileName().toString());
            int label = wnid == null ? -1 : classes.indexOf(wnid);
            if (wnid == null) {
                unlabeled.add(new FileProblem(image.file(), "no label in " + groundTruth.getFileName()));
            } else if (label < 0) {
                unselected.add(wnid);
                outside++;
            } else {
                images.add(new ImageEntry(image.uri(), image.file(), label, image.bytes(), image.modifiedMillis()));
            }
        }
        Path gtAbsolute = groundTruth.toAbsolutePath().normalize();
        List<FileProblem> notImages = all.sortedNotImages().stream()
                .filter(p -> !valDir.resolve(p.file()).toAbsolutePath().normalize().equals(gtAbsolute)).toList();
        return new ImageSplit(name, valDir.toString(), "ground truth " + groundTruth + " ("
                + labels.format().description() + ")", classes, images, notImages, unlabeled,
                List.copyOf(unselected), outside);
    }

    private static boolean hasClassFolders(Path valDir, ClassList classes) throws IOException {
        for (Path child : children(valDir)) {
            String childName = child.getFileName().toString();
            if (Files.isDirectory(child) && (classes.contains(childName) || ClassSubsets.isWnid(childName))) {
                return true;
            }
        }
        return false;
    }

    private static Path findGroundTruth(Path valDir) throws IOException {
        List<Path> found = new ArrayList<>();
        List<Path> places = new ArrayList<>(List.of(valDir));
        if (valDir.toAbsolutePath().getParent() != null) {
            places.add(valDir.toAbsolutePath().getParent());
        }
        for (Path place : places) {
            for (Path child : children(place)) {
                String childName = child.getFileName().toString();
                if (Files.isRegularFile(child)
                        && GROUND_TRUTH_FILE_NAMES.stream().anyMatch(known -> known.equalsIgnoreCase(childName))) {
                    found.add(child);
                }
            }
        }
        if (found.isEmpty()) {
            throw new IOException(valDir + " has no class folders (no folder in it is a WNID or a selected class) "
                    + "and no ground-truth file was given; none of " + GROUND_TRUTH_FILE_NAMES + " is in it or its "
                    + "parent. Give the file that labels its images, in one of these formats: "
                    + formatsText());
        }
        if (found.size() > 1) {
            throw new IOException("several ground-truth files could label " + valDir + ": " + found
                    + "; give the one to use");
        }
        log.info("Labelling {} from {}", valDir, found.get(0));
        return found.get(0);
    }

    private static ClassList classesOfFolders(Path trainDir, List<Path> folders) throws IOException {
        if (folders.isEmpty()) {
            throw new IOException(trainDir + " holds no class folders; expected one folder per class, named by "
                    + "its WNID, with the class's images below it");
        }
        try {
            return ClassList.of(folders.stream().map(folder -> folder.getFileName().toString()).toList());
        } catch (IllegalArgumentException e) {
            throw new IOException(trainDir + ": " + e.getMessage(), e);
        }
    }

    /** The images of each class's folder, folders read in parallel (a listing of ImageNet is a million stats). */
    private static Listing scanClassFolders(Path root, ClassList classes, Map<String, Path> folderOf)
            throws IOException {
        try {
            return classes.names().parallelStream().map(wnid -> {
                Listing listing = new Listing();
                try {
                    listing.walk(root, folderOf.get(wnid), classes.indexOf(wnid));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return listing;
            }).reduce(new Listing(), Listing::merge);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** What a walk found: images, with their label, and files that are not images. */
    private static final class Listing {
        final List<ImageEntry> images = new ArrayList<>();
        final List<FileProblem> notImages = new ArrayList<>();

        void walk(Path root, Path dir, int label) throws IOException {
            try (Stream<Path> paths = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
                for (Path path : (Iterable<Path>) paths::iterator) {
                    add(root, path, label);
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        void add(Path root, Path path, int label) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (attributes.isDirectory()) {
                return;
            }
            String file = root.relativize(path).toString().replace('\\', '/');
            if (!attributes.isRegularFile()) {
                notImages.add(new FileProblem(file, "not a regular file"));
            } else if (isImageFile(path)) {
                images.add(new ImageEntry(path.toUri().toString(), file, label, attributes.size(),
                        attributes.lastModifiedTime().toMillis()));
            } else {
                String extension = extension(path);
                notImages.add(new FileProblem(file, "not an image: " + (extension.isEmpty() ? "no file extension"
                        : "." + extension + " is not one of " + extensionsText())));
            }
        }

        Listing merge(Listing other) {
            Listing merged = new Listing();
            merged.images.addAll(images);
            merged.images.addAll(other.images);
            merged.notImages.addAll(notImages);
            merged.notImages.addAll(other.notImages);
            return merged;
        }

        int[] counts(int classes) {
            int[] counts = new int[classes];
            for (ImageEntry image : images) {
                counts[image.label()]++;
            }
            return counts;
        }

        List<ImageEntry> sortedImages() {
            return images.stream().sorted(Comparator.comparing(ImageEntry::file)).toList();
        }

        List<FileProblem> sortedNotImages() {
            return notImages.stream().sorted(Comparator.comparing(FileProblem::file)).toList();
        }
    }

    private static void logSplit(ImageSplit split) {
        log.info("{}: {} images of {} classes in {}, labelled by {}", split.name(), split.images().size(),
                split.classes().size(), split.directory(), split.labels());
        if (!split.notImages().isEmpty()) {
            log.warn("{}: {} files are not images and are left out, e.g. {}", split.name(), split.notImages().size(),
                    abbreviate(split.notImages()));
        }
        if (!split.unlabeled().isEmpty()) {
            log.warn("{}: {} images have no label and are left out, e.g. {}", split.name(), split.unlabeled().size(),
                    abbreviate(split.unlabeled()));
        }
        if (split.imagesOutsideSelection() > 0 || !split.unselectedClasses().isEmpty()) {
            log.info("{}: {} classes are not selected ({} of their images read and left out): {}", split.name(),
                    split.unselectedClasses().size(), split.imagesOutsideSelection(),
                    abbreviate(split.unselectedClasses()));
        }
    }

    static String abbreviate(List<?> items) {
        return items.size() <= 5 ? items.toString()
                : items.subList(0, 5).toString().replace("]", ", ... " + (items.size() - 5) + " more]");
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.sorted().toList();
        }
    }

    private static void requireDirectory(Path dir, String what) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(what + " folder " + dir + " does not exist or is not a directory");
        }
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    private static String extensionsText() {
        return ".JPEG, .jpg, .jpeg or .png";
    }

    private static String formatsText() {
        List<String> formats = new ArrayList<>();
        for (GroundTruth.Format format : GroundTruth.Format.values()) {
            formats.add(format.description());
        }
        return String.join("; ", formats);
    }
}
