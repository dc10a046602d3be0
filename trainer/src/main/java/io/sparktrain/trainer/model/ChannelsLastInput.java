package io.sparktrain.trainer.model;

import java.util.Arrays;
import java.util.Objects;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Flat images as the datasets hold them, C·H·W values per row with the channels' planes one after
 * the other, turned into an NHWC [N, H, W, C] array for networks that run channels-last. oneDNN
 * computes convolutions on NHWC data without converting it to and from its blocked layouts around
 * every operation, which it does for NCHW (docs/results.md).
 */
public final class ChannelsLastInput implements InputPreProcessor {
    @JsonProperty("height")
    private final long height;
    @JsonProperty("width")
    private final long width;
    @JsonProperty("channels")
    private final long channels;

    @JsonCreator
    public ChannelsLastInput(@JsonProperty("height") long height, @JsonProperty("width") long width,
            @JsonProperty("channels") long channels) {
        this.height = height;
        this.width = width;
        this.channels = channels;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        if (input.rank() != 2 || input.size(1) != height * width * channels) {
            throw new IllegalArgumentException("Expected flat images of " + channels + "x" + height + "x" + width
                    + " = " + height * width * channels + " values per row, got an array of shape "
                    + Arrays.toString(input.shape()));
        }
        INDArray planes = input.reshape('c', input.size(0), channels, height, width);
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, planes.permute(0, 2, 3, 1), 'c');
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        INDArray planes = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, output.permute(0, 3, 1, 2), 'c');
        return planes.reshape('c', output.size(0), height * width * channels);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        long size = switch (inputType.getType()) {
            case CNNFlat -> ((InputType.InputTypeConvolutionalFlat) inputType).getFlattenedSize();
            case FF -> ((InputType.InputTypeFeedForward) inputType).getSize();
            default -> -1;
        };
        if (size != height * width * channels) {
            throw new IllegalStateException("Expected flat images of " + height * width * channels
                    + " values, got input type " + inputType);
        }
        return InputType.convolutional(height, width, channels, CNN2DFormat.NHWC);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
            int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public ChannelsLastInput clone() {
        return new ChannelsLastInput(height, width, channels);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ChannelsLastInput that && height == that.height && width == that.width
                && channels == that.channels;
    }

    @Override
    public int hashCode() {
        return Objects.hash(height, width, channels);
    }
}
