package org.nd4j.nativeblas;

/**
 * The class DL4J 1.0.0-M2.1 asks for before it lets a layer run libnd4j's native convolution,
 * pooling and batch-normalization ops. {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} and calls {@code isUseMKLDNN()}; ND4J moved that
 * class to {@code org.nd4j.linalg.cpu.nativecpu.bindings} and renamed the method, so the lookup
 * always failed and every layer fell back to DL4J's Java im2col path, about a ninth of the speed
 * of oneDNN for a ResNet here. This stand-in answers the lookup; whether layers use the native ops
 * is decided by {@link io.sparktrain.trainer.model.NativeLayerOps}.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {}

    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        /**
         * Always true: the layer helpers call libnd4j ops (conv2d, batchnorm, maxpool2d), which use
         * oneDNN when the nd4j-native build has it and libnd4j's own kernels otherwise; both beat
         * the Java path, and NativeLayerOpsTest checks they compute the same results.
         */
        public boolean isUseMKLDNN() {
            return true;
        }
    }
}
