package io.sparktrain.trainer.dl4j;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalization of float NCHW activations in two passes forward and two backward, as
 * PyTorch's CPU kernel does it. DL4J 1.0.0-M2.1's oneDNN helper takes six times PyTorch's time
 * for the same tensors: it computes the batch variance with ND4J's TAD-based summary-statistics op
 * before calling oneDNN, and runs oneDNN's backward pass with global statistics, then corrects it
 * with five broadcast ops (docs/dl4j-defects.md).
 *
 * <p>Per channel the first pass sums x and x² (forward) or dy and dy·x (backward) in double (in
 * float, x² - mean² cancels away the variance of activations far from zero), the second writes
 * y = a·x + b or dx = k1·dy + k2·x + k3 with per-channel coefficients. Channels are
 * independent, so they run in parallel when ND4J is allowed more than one thread.
 */
final class FusedBatchNormHelper implements BatchNormalizationHelper {
    private INDArray meanCache;
    private INDArray varCache;

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
            INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supports(x, format)) {
            return null;
        }
        x = contiguous(x);
        Channels channels = new Channels(x);
        float[] channelMean = new float[channels.count];
        float[] channelVar = new float[channels.count];
        float[] in = Scratch.INPUT.read(x);
        if (training) {
            channels.forEach(c -> {
                double sum = 0;
                double squares = 0;
                for (int n = 0; n < channels.examples; n++) {
                    int start = channels.start(n, c);
                    for (int i = start; i < start + channels.pixels; i++) {
                        double v = in[i];
                        sum += v;
                        squares += v * v;
                    }
                }
                double m = sum / channels.perChannel;
                channelMean[c] = (float) m;
                channelVar[c] = (float) Math.max(0, squares / channels.perChannel - m * m);
            });
            cacheStatistics(channelMean, channelVar);
        } else {
            copy(mean, channelMean);
            copy(var, channelVar);
        }
        float[] g = values(gamma, channels.count, 1);
        float[] b = values(beta, channels.count, 0);
        float[] y = Scratch.OUTPUT.get(channels.length);
        channels.forEach(c -> {
            float scale = (float) (g[c] / Math.sqrt(channelVar[c] + eps));
            float shift = b[c] - channelMean[c] * scale;
            for (int n = 0; n < channels.examples; n++) {
                int start = channels.start(n, c);
                for (int i = start; i < start + channels.pixels; i++) {
                    y[i] = in[i] * scale + shift;
                }
            }
        });
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        floats(out).put(y, 0, channels.length);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
            INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
            LayerWorkspaceMgr workspaceMgr) {
        if (!supports(input, format) || meanCache == null) {
            return null;
        }
        INDArray x = contiguous(input);
        Channels channels = new Channels(x);
        float[] in = Scratch.INPUT.read(x);
        float[] dy = Scratch.GRADIENT.read(contiguous(epsilon));
        float[] channelMean = new float[channels.count];
        float[] channelVar = new float[channels.count];
        copy(meanCache, channelMean);
        copy(varCache, channelVar);
        float[] g = values(gamma, channels.count, 1);
        float[] dGamma = new float[channels.count];
        float[] dBeta = new float[channels.count];
        float[] out = Scratch.OUTPUT.get(channels.length);
        channels.forEach(c -> {
            double sumDy = 0;
            double sumDyX = 0;
            for (int n = 0; n < channels.examples; n++) {
                int start = channels.start(n, c);
                for (int i = start; i < start + channels.pixels; i++) {
                    double d = dy[i];
                    sumDy += d;
                    sumDyX += d * in[i];
                }
            }
            double invStd = 1 / Math.sqrt(channelVar[c] + eps);
            double gammaGradient = invStd * (sumDyX - channelMean[c] * sumDy);
            dGamma[c] = (float) gammaGradient;
            dBeta[c] = (float) sumDy;
            // dx = gamma·invStd·(dy - mean(dy) - xhat·mean(dy·xhat)), expanded into k1·dy + k2·x + k3.
            double k1 = g[c] * invStd;
            double k2 = -k1 * invStd * gammaGradient / channels.perChannel;
            double k3 = -k1 * sumDy / channels.perChannel - k2 * channelMean[c];
            float dyScale = (float) k1;
            float xScale = (float) k2;
            float shift = (float) k3;
            for (int n = 0; n < channels.examples; n++) {
                int start = channels.start(n, c);
                for (int i = start; i < start + channels.pixels; i++) {
                    out[i] = dy[i] * dyScale + in[i] * xScale + shift;
                }
            }
        });
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
        floats(dx).put(out, 0, channels.length);
        Gradient gradient = new DefaultGradient();
        if (dGammaView != null) {
            dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
            dBetaView.assign(Nd4j.createFromArray(dBeta).reshape(dBetaView.shape()));
        }
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(gradient, dx);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    /** Float NCHW (or [N, C] reshaped to [N, C, 1, 1]); anything else stays on DL4J's own path. */
    static boolean supports(INDArray x, CNN2DFormat format) {
        return x.dataType() == DataType.FLOAT && x.rank() == 4 && format == CNN2DFormat.NCHW
                && x.length() < Integer.MAX_VALUE;
    }

    /** The layer reads the batch statistics after the backward pass, outside any workspace. */
    private void cacheStatistics(float[] mean, float[] variance) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            if (meanCache == null || meanCache.length() != mean.length) {
                meanCache = Nd4j.create(DataType.FLOAT, mean.length);
                varCache = Nd4j.create(DataType.FLOAT, mean.length);
            }
            meanCache.assign(Nd4j.createFromArray(mean));
            varCache.assign(Nd4j.createFromArray(variance));
        }
    }

    private static INDArray contiguous(INDArray array) {
        return array.ordering() == 'c' && Shape.hasDefaultStridesForShape(array) && !array.isView()
                ? array : array.dup('c');
    }

    /** The array's own elements, indexed from 0. */
    private static FloatBuffer floats(INDArray array) {
        FloatBuffer all = array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        return all.position((int) array.offset()).slice();
    }

    private static void copy(INDArray vector, float[] into) {
        float[] values = vector.reshape(vector.length()).toFloatVector();
        System.arraycopy(values, 0, into, 0, into.length);
    }

    private static float[] values(INDArray vector, int length, float absent) {
        float[] values = new float[length];
        if (vector == null) {
            java.util.Arrays.fill(values, absent);
        } else {
            copy(vector, values);
        }
        return values;
    }

    /**
     * Per-thread arrays the passes work on: loops over Java arrays run several times as fast as
     * loops over a direct buffer, and one copy in and out costs a fraction of a pass.
     */
    private enum Scratch {
        INPUT, GRADIENT, OUTPUT;

        private final ThreadLocal<float[]> arrays = ThreadLocal.withInitial(() -> new float[0]);

        float[] get(int length) {
            float[] array = arrays.get();
            if (array.length < length) {
                array = new float[length];
                arrays.set(array);
            }
            return array;
        }

        float[] read(INDArray contiguous) {
            float[] array = get((int) contiguous.length());
            floats(contiguous).get(array, 0, (int) contiguous.length());
            return array;
        }
    }

    /** Where each channel's values lie in a contiguous NCHW array. */
    private static final class Channels {
        final int examples;
        final int count;
        final int pixels;
        final long perChannel;
        final int length;

        Channels(INDArray x) {
            examples = (int) x.size(0);
            count = (int) x.size(1);
            pixels = (int) (x.size(2) * x.size(3));
            perChannel = (long) examples * pixels;
            length = (int) x.length();
        }

        int start(int example, int channel) {
            return (example * count + channel) * pixels;
        }

        void forEach(java.util.function.IntConsumer body) {
            IntStream channels = IntStream.range(0, count);
            (Nd4j.getEnvironment().maxMasterThreads() > 1 ? channels.parallel() : channels).forEach(body);
        }
    }
}
