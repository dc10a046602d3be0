package io.sparktrain.datasets.imagenet;

/**
 * Evaluation: the centre C x C of each stored S x S image (placed as torchvision's CenterCrop
 * places it), normalized; no randomness.
 */
public final class CenterCropLoader extends CropLoader {
    private static final long serialVersionUID = 1L;

    public CenterCropLoader(int cropSize) {
        super(cropSize);
    }

    @Override
    Crop[] crops(String path, int examples, int storedSize) {
        int offset = (int) Math.round((storedSize - cropSize()) / 2.0);
        Crop[] crops = new Crop[examples];
        java.util.Arrays.fill(crops, new Crop(offset, offset, false));
        return crops;
    }
}
