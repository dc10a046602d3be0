package io.sparktrain.datasets.imagenet;

import io.sparktrain.datasets.imagenet.ImageDecoder.UnreadableImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One image file as a trained network saw its evaluation images: decoded and resized to the
 * export's short side, stored as the export stores pixels (unsigned bytes), then the centre crop,
 * normalized, by the evaluation loader itself. Scoring an image folder thus feeds the network
 * exactly what evaluating the same file during training fed it.
 */
public final class EvaluationImage {
    private EvaluationImage() {}

    /** The features of {@code encoded}: 3 x crop x crop floats, channel-major. */
    public static float[] features(byte[] encoded, int resize, int crop, String path)
            throws UnreadableImageException, IOException {
        ImageDecoder.Square square = ImageDecoder.decodeSquare(encoded, resize);
        int perImage = 3 * resize * resize;
        byte[] stored = new byte[perImage];
        ImageNetExporter.store(square.chw(), 0, stored, null);
        DataSet one = new DataSet(Nd4j.create(Nd4j.createBuffer(ByteBuffer.wrap(stored), DataType.UINT8, perImage),
                new long[] {1, perImage}), Nd4j.zeros(DataType.FLOAT, 1, 1));
        return new CenterCropLoader(crop).crop(one, path).getFeatures().toFloatVector();
    }
}
