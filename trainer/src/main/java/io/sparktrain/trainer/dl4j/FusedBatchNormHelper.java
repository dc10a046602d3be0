package io.sparktrain.trainer.dl4j;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.function.IntConsumer;
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
 * PyTorch's CPU kernel does it. DL4J 1.0.0-M2.1's oneDNN helper takes six times PyTorch's time for
 * the same tensors: it computes the batch variance with ND4J's TAD-based summary-statistics op
 * before calling oneDNN, and runs oneDNN's backward pass with global statistics, then corrects it
 * with five broadcast ops (docs/dl4j-defects.md).
 *
 * <p>The first pass sums x and x² (forward) or dy and dy·x (backward) per channel in double (in
 * float, x² - mean² cancels away the variance of activations far from zero); the second writes
 * y = a·x + b or dx = k1·dy + k2·x + k3 with per-channel coefficients. Both work one example at a
 * time on a copy in a Java array (loops over Java arrays run several times as fast as over a
 * direct buffer), so the copies stay as small as one example's activations. Examples run in
 * parallel when ND4J may use more than one thread; each example's sums are kept apart and added
 * in example order, so the result does not depend on the number of threads.
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
        Examples examples = new Examples(x);
        FloatBuffer in = floats(x);
        float[] channelMean;
        float[] channelVar;
        if (training) {
            double[][] sums = examples.sums(in, in);
            channelMean = new float[examples.channels];
            channelVar = new float[examples.channels];
            for (int c = 0; c < examples.channels; c++) {
                double m = sums[0][c] / examples.perChannel;
                channelMean[c] = (float) m;
                channelVar[c] = (float) Math.max(0, sums[1][c] / examples.perChannel - m * m);
            }
            cacheStatistics(channelMean, channelVar);
        } else {
            channelMean = values(mean, examples.channels, 0);
            channelVar = values(var, examples.channels, 1);
        }
        float[] g = values(gamma, examples.channels, 1);
        float[] b = values(beta, examples.channels, 0);
        float[] scale = new float[examples.channels];
        float[] shift = new float[examples.channels];
        for (int c = 0; c < examples.channels; c++) {
            scale[c] = (float) (g[c] / Math.sqrt(channelVar[c] + eps));
            shift[c] = b[c] - channelMean[c] * scale[c];
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        examples.combine(in, scale, null, null, shift, floats(out));
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
        Examples examples = new Examples(x);
        FloatBuffer in = floats(x);
        FloatBuffer dy = floats(contiguous(epsilon));
        double[][] sums = examples.sums(dy, in);
        float[] channelMean = values(meanCache, examples.channels, 0);
        float[] channelVar = values(varCache, examples.channels, 1);
        float[] g = values(gamma, examples.channels, 1);
        float[] dGamma = new float[examples.channels];
        float[] dBeta = new float[examples.channels];
        float[] dyScale = new float[examples.channels];
        float[] xScale = new float[examples.channels];
        float[] shift = new float[examples.channels];
        for (int c = 0; c < examples.channels; c++) {
            double sumDy = sums[0][c];
            double invStd = 1 / Math.sqrt(channelVar[c] + eps);
            double gammaGradient = invStd * (sums[1][c] - channelMean[c] * sumDy);
            dGamma[c] = (float) gammaGradient;
            dBeta[c] = (float) sumDy;
            // dx = gamma·invStd·(dy - mean(dy) - xhat·mean(dy·xhat)), expanded into k1·dy + k2·x + k3.
            double k1 = g[c] * invStd;
            double k2 = -k1 * invStd * gammaGradient / examples.perChannel;
            dyScale[c] = (float) k1;
            xScale[c] = (float) k2;
            shift[c] = (float) (-k1 * sumDy / examples.perChannel - k2 * channelMean[c]);
        }
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
        examples.combine(dy, dyScale, in, xScale, shift, floats(dx));
        if (dGammaView != null) {
            dGammaView.assign(Nd4j.createFromArray(dGamma).reshape(dGammaView.shape()));
            dBetaView.assign(Nd4j.createFromArray(dBeta).reshape(dBetaView.shape()));
        }
        Gradient gradient = new DefaultGradient();
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

    private static float[] values(INDArray vector, int length, float absent) {
        if (vector == null) {
            float[] values = new float[length];
            Arrays.fill(values, absent);
            return values;
        }
        return vector.reshape(vector.length()).toFloatVector();
    }

    /** Per-thread arrays holding one example's values. */
    private enum Scratch {
        FIRST, SECOND, OUT;

        private final ThreadLocal<float[]> arrays = ThreadLocal.withInitial(() -> new float[0]);

        float[] get(int length) {
            float[] array = arrays.get();
            if (array.length < length) {
                array = new float[length];
                arrays.set(array);
            }
            return array;
        }

        float[] read(FloatBuffer from, int start, int length) {
            float[] array = get(length);
            from.get(start, array, 0, length);
            return array;
        }
    }

    /** A contiguous NCHW array as its examples: example n holds C runs of P values from n·C·P. */
    private static final class Examples {
        final int count;
        final int channels;
        final int pixels;
        final int size;
        final long perChannel;

        Examples(INDArray x) {
            count = (int) x.size(0);
            channels = (int) x.size(1);
            pixels = (int) (x.size(2) * x.size(3));
            size = channels * pixels;
            perChannel = (long) count * pixels;
        }

        /** Per channel: Σa and Σa·b. */
        double[][] sums(FloatBuffer a, FloatBuffer b) {
            double[][] perExample = new double[count][];
            each(n -> {
                float[] first = Scratch.FIRST.read(a, n * size, size);
                float[] second = a == b ? first : Scratch.SECOND.read(b, n * size, size);
                double[] sums = new double[2 * channels];
                for (int c = 0; c < channels; c++) {
                    double sum = 0;
                    double products = 0;
                    for (int i = c * pixels; i < (c + 1) * pixels; i++) {
                        double v = first[i];
                        sum += v;
                        products += v * second[i];
                    }
                    sums[c] = sum;
                    sums[channels + c] = products;
                }
                perExample[n] = sums;
            });
            double[][] total = new double[2][channels];
            for (double[] sums : perExample) {
                for (int c = 0; c < channels; c++) {
                    total[0][c] += sums[c];
                    total[1][c] += sums[channels + c];
                }
            }
            return total;
        }

        /** out = a·ka + b·kb + k0 per channel; {@code b} may be null. */
        void combine(FloatBuffer a, float[] ka, FloatBuffer b, float[] kb, float[] k0, FloatBuffer out) {
            each(n -> {
                float[] first = Scratch.FIRST.read(a, n * size, size);
                float[] second = b == null ? null : Scratch.SECOND.read(b, n * size, size);
                float[] result = Scratch.OUT.get(size);
                for (int c = 0; c < channels; c++) {
                    int from = c * pixels;
                    int to = from + pixels;
                    if (second == null) {
                        for (int i = from; i < to; i++) {
                            result[i] = first[i] * ka[c] + k0[c];
                        }
                    } else {
                        for (int i = from; i < to; i++) {
                            result[i] = first[i] * ka[c] + second[i] * kb[c] + k0[c];
                        }
                    }
                }
                out.put(n * size, result, 0, size);
            });
        }

        private void each(IntConsumer example) {
            IntStream all = IntStream.range(0, count);
            (Nd4j.getEnvironment().maxMasterThreads() > 1 ? all.parallel() : all).forEach(example);
        }
    }
}
