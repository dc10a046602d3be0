package io.sparktrain.trainer.dl4j;

import io.sparktrain.trainer.model.NativeLayerOps;
import java.util.Arrays;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.Deconvolution2DLayer;
import org.deeplearning4j.nn.params.DeconvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BiasAdd;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's transposed convolution with its forward and backward passes through oneDNN. libnd4j 1.0.0-M2.1's oneDNN
 * {@code deconv2d} refuses "same" padding, so DL4J's layer runs the generic one: a matrix product
 * into a permuted view, which ND4J copies back element by element, then col2im. For the DCGAN's
 * 128-to-64-map layer (7x7 to 14x14, 128 images, one thread) that took 380-470 ms against 35-45 ms
 * for {@code deconv2d_tf}, TensorFlow's form of the same operation (a convolution's backward data
 * pass), whose oneDNN implementation accepts "same" padding (docs/dl4j-defects.md); the backward
 * pass runs as two convolutions ({@link Layer2D#backpropGradient}). A layer configuration, as
 * {@link FusedBatchNormalization} is, so that Spark workers building networks from JSON get it too.
 * Like DL4J's layer helpers it is chosen when the layer is created, and only where they are on
 * ({@link NativeLayerOps}: the CPU backend, {@code org.eclipse.deeplearning4j.helpers.disable=false});
 * elsewhere, and for inputs these ops do not compute the same way (other than NCHW, "same" mode, no
 * dilation, square), both passes are DL4J's.
 */
public class FastDeconvolution2D extends Deconvolution2D {
    /** For JSON. */
    public FastDeconvolution2D() {}

    public FastDeconvolution2D(Deconvolution2D.Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FastDeconvolution2D", getLayerName(), layerIndex, getNIn(), getNOut());
        Layer2D layer = new Layer2D(conf, networkDataType, NativeLayerOps.onInThisJvm());
        return LayerWiring.wire(layer, conf, trainingListeners, layerIndex, layerParamsView, initializeParams,
                initializer());
    }

    /** The layer itself. */
    static final class Layer2D extends Deconvolution2DLayer {
        private final boolean oneDnn;

        Layer2D(NeuralNetConfiguration conf, DataType dataType, boolean oneDnn) {
            super(conf, dataType);
            this.oneDnn = oneDnn;
        }

        @Override
        protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop,
                LayerWorkspaceMgr workspaceMgr) {
            INDArray weights = getParamWithNoise(DeconvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
            if (!throughOneDnn(weights)) {
                return super.preOutput(training, forBackprop, workspaceMgr);
            }
            int[] kernel = layerConf().getKernelSize();
            int[] stride = layerConf().getStride();
            int batch = (int) input.size(0);
            int maps = (int) weights.size(1);
            int height = (int) input.size(2) * stride[0];
            int width = (int) input.size(3) * stride[1];
            INDArray output = workspaceMgr.create(ArrayType.ACTIVATIONS, input.dataType(),
                    new long[] {batch, maps, height, width}, 'c');
            // DL4J keeps weights as [in, out, kH, kW]; deconv2d_tf takes [kH, kW, out, in]. Padding 0, dilation 1,
            // "same" mode, NCHW, that weight format.
            Nd4j.exec(DynamicCustomOp.builder("deconv2d_tf")
                    .addInputs(Nd4j.createFromArray(batch, maps, height, width), weights.permute(2, 3, 1, 0), input)
                    .addIntegerArguments(kernel[0], kernel[1], stride[0], stride[1], 0, 0, 1, 1, 1, 0, 0)
                    .addOutputs(output).build());
            if (layerConf().hasBias()) {
                INDArray bias = getParamWithNoise(DeconvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
                Nd4j.exec(new BiasAdd(output, bias.reshape(maps), output, true));
            }
            return new Pair<>(output, null);
        }

        /**
         * The backward pass as two convolutions oneDNN runs: a transposed convolution's input
         * gradient is the convolution of the output gradient with the same weights, and its weight
         * gradient is the weight gradient of that convolution with the input as output gradient.
         * DL4J's weight layout [in, out, kH, kW] is libnd4j's convolution format 1 ([oC, iC, kH, kW])
         * as it is. DL4J's generic {@code deconv2d_bp} spent half its time copying a permuted view.
         */
        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            INDArray weights = getParamWithNoise(DeconvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            if (!throughOneDnn(weights)) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            // DL4J recomputes the output here for the activation's derivative; the identity's needs none.
            IActivation activation = layerConf().getActivationFn();
            INDArray delta = activation instanceof ActivationIdentity ? epsilon
                    : activation.backprop(preOutput4d(true, true, workspaceMgr).getFirst(), epsilon).getFirst();
            int[] kernel = layerConf().getKernelSize();
            int[] stride = layerConf().getStride();
            // Padding 0 and dilation 1, "same" mode (libnd4j derives the padding), NCHW, weight format 1.
            int[] arguments = {kernel[0], kernel[1], stride[0], stride[1], 0, 0, 1, 1, 1, 0, 1};
            INDArray inputGradient = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(),
                    'c');
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(delta, weights).addIntegerArguments(arguments)
                    .addOutputs(inputGradient).build());
            INDArray weightGradient = gradientViews.get(DeconvolutionParamInitializer.WEIGHT_KEY);
            // The convolution's own input gradient is not needed: a scratch array takes it.
            INDArray scratch = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, delta.dataType(),
                    delta.shape(), 'c');
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(delta, weights, input)
                    .addIntegerArguments(arguments).addOutputs(scratch, weightGradient).build());
            Gradient gradient = new DefaultGradient();
            if (layerConf().hasBias()) {
                INDArray biasGradient = gradientViews.get(DeconvolutionParamInitializer.BIAS_KEY);
                biasGradient.assign(delta.sum(0, 2, 3).reshape(biasGradient.shape()));
                gradient.setGradientFor(DeconvolutionParamInitializer.BIAS_KEY, biasGradient);
            }
            gradient.setGradientFor(DeconvolutionParamInitializer.WEIGHT_KEY, weightGradient, 'c');
            weightNoiseParams.clear();
            return new Pair<>(gradient, inputGradient);
        }

        /** Whether {@code deconv2d_tf} computes what DL4J's layer would, on this input, through oneDNN. */
        boolean throughOneDnn(INDArray weights) {
            org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
            return oneDnn && conf.getConvolutionMode() == ConvolutionMode.Same
                    && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW
                    && Arrays.equals(conf.getDilation(), new int[] {1, 1}) && input.rank() == 4
                    && input.size(1) == weights.size(0) && input.size(2) == input.size(3)
                    && input.dataType() == DataType.FLOAT && weights.dataType() == DataType.FLOAT;
        }
    }
}
