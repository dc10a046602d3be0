package io.sparktrain.trainer.model;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Lets DL4J's convolution, pooling and batch-normalization layers run libnd4j's native ops (oneDNN
 * in the nd4j-native build this project ships) instead of DL4J's Java im2col path: about nine
 * times the speed for a small ResNet on one core here. DL4J 1.0.0-M2.1 turns these layer helpers
 * off unless a system property says otherwise, and its availability check needed
 * {@link org.nd4j.nativeblas.Nd4jCpu}.
 *
 * <p>A layer picks its helper when it is created, so every JVM that builds a network must decide
 * first: the driver through {@link #enableInThisJvm()}, executors through their Java options. A
 * property already set wins, so {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true} brings
 * back DL4J's Java path everywhere. On the CUDA backend the helpers stay off: DL4J's cuDNN helpers
 * live in a module this project does not ship, and asking for them only logs warnings.
 */
public final class NativeLayerOps {
    public static final String DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private NativeLayerOps() {}

    /** Makes networks built from now on in this JVM use the native ops, unless the property is set. */
    public static void enableInThisJvm() {
        System.setProperty(DISABLE_PROPERTY, disabledSetting());
    }

    /** {@code options} (executor Java options) with this JVM's choice added, unless they make their own. */
    public static String withExecutorSetting(String options) {
        if (options.contains(DISABLE_PROPERTY)) {
            return options;
        }
        return (options + " -D" + DISABLE_PROPERTY + "=" + disabledSetting()).strip();
    }

    /**
     * Whether layers created now in this JVM run the native ops, as DL4J's layers decide it from the
     * property; for the project's own layers that choose between DL4J's path and a native one.
     */
    public static boolean onInThisJvm() {
        return Nd4j.getEnvironment().isCPU() && "false".equalsIgnoreCase(System.getProperty(DISABLE_PROPERTY));
    }

    private static String disabledSetting() {
        String set = System.getProperty(DISABLE_PROPERTY);
        return set != null ? set : String.valueOf(!Nd4j.getEnvironment().isCPU());
    }
}
