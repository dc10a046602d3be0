package io.sparktrain.trainer.dl4j;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's convolution without the forward pass its backward pass repeats. DL4J's layer computes its
 * output again at the start of every backward pass, for the activation's derivative, even where the
 * activation is the identity and the derivative needs nothing: with oneDNN, a ResNet-18 step ran 34
 * forward convolutions for its 17 3x3 layers, about a quarter of its oneDNN time with their reorders
 * (docs/dl4j-defects.md). Where the activation is the identity (a convolution followed by batch
 * normalization) and DL4J would use its oneDNN helper, this layer's backward pass hands the output
 * gradient straight to {@code conv2d_bp}, the op the helper runs, with the helper's arguments: the
 * gradients are DL4J's bit for bit. Channels-last, its forward pass skips a copy DL4J makes and
 * discards. Everything else is DL4J's. A layer
 * configuration, as {@link FusedBatchNormalization} is, so that Spark workers building networks from
 * JSON get it too.
 */
public class FastConvolution2D extends ConvolutionLayer {
    /** For JSON. */
    public FastConvolution2D() {}

    public FastConvolution2D(ConvolutionLayer.Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FastConvolution2D", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new Layer2D(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams, initializer());
    }

    /** The layer itself. */
    static final class Layer2D extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
        Layer2D(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            if (!skipsForwardPass(epsilon)) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            assertInputSet(true);
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
            INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(),
                    input.shape());
            INDArray weightGradient = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
            INDArray biasGradient = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
            DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp")
                    .addIntegerArguments(arguments(epsilon));
            if (layerConf().hasBias()) {
                op.addInputs(input, weights, bias, epsilon).addOutputs(inputGradient, weightGradient, biasGradient);
            } else {
                op.addInputs(input, weights, epsilon).addOutputs(inputGradient, weightGradient);
            }
            Nd4j.exec(op.build());
            Gradient gradient = new DefaultGradient();
            if (layerConf().hasBias()) {
                gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradient);
            }
            gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradient);
            weightNoiseParams.clear();
            return new Pair<>(gradient, backpropDropOutIfPresent(inputGradient));
        }

        /**
         * DL4J's forward pass copies NHWC input to NCHW before it calls the helper, which is given the
         * NHWC input and never reads the copy: 2% of a channels-last ResNet step. Where the helper
         * takes the input, this calls it without the copy; elsewhere, and where the helper fails or
         * declines, DL4J goes its own way (a retry, then its fallback).
         */
        @Override
        protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop,
                LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            if (!usesOneDnn() || input.dataType() != DataType.FLOAT || dataType != DataType.FLOAT
                    || layerConf().getCnn2dDataFormat() != CNN2DFormat.NHWC) {
                return super.preOutput(training, forBackprop, workspaceMgr);
            }
            if (preOutput != null && forBackprop) {
                return new Pair<>(preOutput, null);
            }
            validateInputRank();
            INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
            validateInputDepth(weights.size(1));
            org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
            INDArray output;
            try {
                // The helper works out "same" padding itself, as DL4J's forward pass would.
                output = helper.preOutput(input, weights, bias(training, workspaceMgr), conf.getKernelSize(),
                        conf.getStride(), conf.getPadding(), conf.getCudnnAlgoMode(), conf.getCudnnFwdAlgo(),
                        convolutionMode, conf.getDilation(), CNN2DFormat.NHWC, workspaceMgr);
            } catch (RuntimeException e) {
                output = null;
            }
            return output != null ? new Pair<>(output, null) : super.preOutput(training, forBackprop, workspaceMgr);
        }

        /** The layer's bias or, as DL4J hands the helper for a layer without one, zeros. */
        private INDArray bias(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (hasBias()) {
                return getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
            }
            if (dummyBias == null) {
                try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    dummyBias = Nd4j.create(1, layerConf().getNOut());
                }
            }
            return dummyBias;
        }

        /**
         * Where DL4J's backward pass would run the oneDNN helper and needs nothing of its forward
         * pass: the identity's derivative passes the output gradient on as it is.
         */
        boolean skipsForwardPass(INDArray epsilon) {
            return usesOneDnn() && layerConf().getActivationFn() instanceof ActivationIdentity
                    && input.dataType() == DataType.FLOAT && epsilon.dataType() == DataType.FLOAT
                    && dataType == DataType.FLOAT;
        }

        private boolean usesOneDnn() {
            return helper instanceof MKLDNNConvHelper && helperCountFail == 0;
        }

        /** {@code conv2d_bp}'s integer arguments, as DL4J's oneDNN helper computes them. */
        private int[] arguments(INDArray epsilon) {
            org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
            int[] kernel = conf.getKernelSize();
            int[] stride = conf.getStride();
            int[] dilation = conf.getDilation();
            boolean channelsFirst = conf.getCnn2dDataFormat() == CNN2DFormat.NCHW;
            int height = channelsFirst ? 2 : 1;
            int[] padding = conf.getConvolutionMode() != ConvolutionMode.Same ? conf.getPadding()
                    : ConvolutionUtils.getSameModeTopLeftPadding(
                            new int[] {(int) epsilon.size(height), (int) epsilon.size(height + 1)},
                            new int[] {(int) input.size(height), (int) input.size(height + 1)},
                            kernel, stride, dilation);
            // The last two: NCHW (0) or NHWC (1), and weights as DL4J keeps them, [out, in, kH, kW] (1).
            return new int[] {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0],
                dilation[1], conf.getConvolutionMode() == ConvolutionMode.Same ? 1 : 0, channelsFirst ? 0 : 1, 1};
        }
    }
}
