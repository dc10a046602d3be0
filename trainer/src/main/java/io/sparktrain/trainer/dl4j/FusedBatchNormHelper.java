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
 * Batch normalization of float NCHW or NHWC activations in two passes forward and two backward, as
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
        if (!supports(x)) {
            return null;
        }
        x = contiguous(x);
        Examples examples = new Examples(x, format);
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
        if (!supports(input) || meanCache == null) {
            return null;
        }
        INDArray x = contiguous(input);
        Examples examples = new Examples(x, format);
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

    /** Float NCHW or NHWC (or [N, C] reshaped to [N, C, 1, 1]); anything else stays on DL4J's own path. */
    private static boolean supports(INDArray x) {
        return x.dataType() == DataType.FLOAT && x.rank() == 4 && x.length() < Integer.MAX_VALUE;
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

    /**
     * A contiguous NCHW or NHWC array as its examples: example n holds C runs of P values (NCHW) or P
     * runs of C values (NHWC) from n·C·P. Either way each channel's values are summed in pixel order,
     * so both layouts give the same bits.
     */
    private static final class Examples {
        /** NHWC channels summed side by side: independent additions the processor overlaps. */
        private static final int CHANNELS_PER_PASS = 4;

        final int count;
        final int channels;
        final int pixels;
        final int size;
        final long perChannel;
        final boolean channelsLast;

        Examples(INDArray x, CNN2DFormat format) {
            channelsLast = format == CNN2DFormat.NHWC;
            count = (int) x.size(0);
            channels = (int) x.size(channelsLast ? 3 : 1);
            size = (int) (x.size(1) * x.size(2) * x.size(3));
            pixels = size / channels;
            perChannel = (long) count * pixels;
        }

        /** Per channel: Σa and Σa·b. */
        double[][] sums(FloatBuffer a, FloatBuffer b) {
            double[][] perExample = new double[count][];
            each(n -> {
                float[] first = Scratch.FIRST.read(a, n * size, size);
                float[] second = a == b ? first : Scratch.SECOND.read(b, n * size, size);
                perExample[n] = channelsLast ? channelsLastSums(first, second) : channelsFirstSums(first, second);
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

        /** Σa per channel, then Σa·b per channel, of one example. */
        private double[] channelsFirstSums(float[] first, float[] second) {
            double[] sums = new double[2 * channels];
            for (int c = 0; c < channels; c++) {
                sumChannel(first, second, c, c * pixels, 1, sums);
            }
            return sums;
        }

        /** Σa and Σa·b of channel c, whose values run from {@code from} in steps of {@code step}. */
        private void sumChannel(float[] first, float[] second, int c, int from, int step, double[] sums) {
            double sum = 0;
            double products = 0;
            for (int i = from; i < from + pixels * step; i += step) {
                double v = first[i];
                sum += v;
                products += v * second[i];
            }
            sums[c] = sum;
            sums[channels + c] = products;
        }

        /**
         * As {@link #channelsFirstSums}, a few channels at a time: one channel's additions depend on
         * each other, and along one NHWC channel nothing else would fill the wait.
         */
        private double[] channelsLastSums(float[] first, float[] second) {
            double[] sums = new double[2 * channels];
            int c = 0;
            for (; c + CHANNELS_PER_PASS <= channels; c += CHANNELS_PER_PASS) {
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                double p0 = 0, p1 = 0, p2 = 0, p3 = 0;
                for (int i = c; i < size; i += channels) {
                    double v0 = first[i];
                    double v1 = first[i + 1];
                    double v2 = first[i + 2];
                    double v3 = first[i + 3];
                    s0 += v0;
                    s1 += v1;
                    s2 += v2;
                    s3 += v3;
                    p0 += v0 * second[i];
                    p1 += v1 * second[i + 1];
                    p2 += v2 * second[i + 2];
                    p3 += v3 * second[i + 3];
                }
                sums[c] = s0;
                sums[c + 1] = s1;
                sums[c + 2] = s2;
                sums[c + 3] = s3;
                sums[channels + c] = p0;
                sums[channels + c + 1] = p1;
                sums[channels + c + 2] = p2;
                sums[channels + c + 3] = p3;
            }
            for (; c < channels; c++) {
                sumChannel(first, second, c, c, channels, sums);
            }
            return sums;
        }

        /** out = a·ka + b·kb + k0 per channel; {@code b} may be null. */
        void combine(FloatBuffer a, float[] ka, FloatBuffer b, float[] kb, float[] k0, FloatBuffer out) {
            float[] kaEach = channelsLast ? perValue(ka) : null;
            float[] kbEach = channelsLast && kb != null ? perValue(kb) : null;
            float[] k0Each = channelsLast ? perValue(k0) : null;
            each(n -> {
                float[] first = Scratch.FIRST.read(a, n * size, size);
                float[] second = b == null ? null : Scratch.SECOND.read(b, n * size, size);
                float[] result = Scratch.OUT.get(size);
                if (channelsLast) {
                    combineChannelsLast(first, kaEach, second, kbEach, k0Each, result);
                } else {
                    for (int c = 0; c < channels; c++) {
                        combineOneChannel(first, ka[c], second, kb == null ? 0 : kb[c], k0[c], result, c * pixels);
                    }
                }
                out.put(n * size, result, 0, size);
            });
        }

        /** One NCHW channel's {@code pixels} values from {@code from}. */
        private void combineOneChannel(float[] a, float ka, float[] b, float kb, float k0, float[] out, int from) {
            int to = from + pixels;
            if (b == null) {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] * ka + k0;
                }
            } else {
                for (int i = from; i < to; i++) {
                    out[i] = a[i] * ka + b[i] * kb + k0;
                }
            }
        }

        /**
         * One NHWC example with one coefficient per value ({@link #perValue}): every array read at
         * the same index is what lets the JIT vectorize the loop; per-channel coefficients read at
         * i % C, or loops over one pixel's channels, ran five to nine times as long.
         */
        private void combineChannelsLast(float[] a, float[] ka, float[] b, float[] kb, float[] k0, float[] out) {
            if (b == null) {
                for (int i = 0; i < size; i++) {
                    out[i] = a[i] * ka[i] + k0[i];
                }
            } else {
                for (int i = 0; i < size; i++) {
                    out[i] = a[i] * ka[i] + b[i] * kb[i] + k0[i];
                }
            }
        }

        /** Per-channel coefficients repeated for each pixel of an NHWC example. */
        private float[] perValue(float[] perChannel) {
            float[] each = new float[size];
            for (int from = 0; from < size; from += channels) {
                System.arraycopy(perChannel, 0, each, from, channels);
            }
            return each;
        }

        private void each(IntConsumer example) {
            IntStream all = IntStream.range(0, count);
            (Nd4j.getEnvironment().maxMasterThreads() > 1 ? all.parallel() : all).forEach(example);
        }
    }
}
