package io.sparktrain.datasets.imagenet;

import java.util.List;

/**
 * The labelled images of one split (train or validation) as read from an ImageNet-style layout,
 * plus every file that will not be exported and why, so that nothing is dropped unseen.
 *
 * @param name names the export, e.g. {@code imagenette-train}
 * @param directory the directory scanned
 * @param labels how the images got their labels: class folders or a ground-truth file
 * @param classes the classes; an image's label is its index here
 * @param images the images to export, sorted by file
 * @param notImages files that are not images by their extension
 * @param unlabeled images that no class folder or ground-truth line labels
 * @param unselectedClasses classes the data holds that are not in {@code classes}; their training
 *     folders are not read
 * @param imagesOutsideSelection images that were read but are labelled with an unselected class
 */
public record ImageSplit(String name, String directory, String labels, ClassList classes, List<ImageEntry> images,
        List<FileProblem> notImages, List<FileProblem> unlabeled, List<String> unselectedClasses,
        int imagesOutsideSelection) {

    public ImageSplit {
        images = List.copyOf(images);
        notImages = List.copyOf(notImages);
        unlabeled = List.copyOf(unlabeled);
        unselectedClasses = List.copyOf(unselectedClasses);
    }

    /** Images per class index. */
    public int[] classCounts() {
        int[] counts = new int[classes.size()];
        for (ImageEntry image : images) {
            counts[image.label()]++;
        }
        return counts;
    }
}
