package io.sparktrain.trainer.gpu;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds each executor's ND4J to the GPU Spark assigned it. DL4J never reads Spark's resource API:
 * left alone, ND4J spreads threads over every GPU it sees, whatever Spark scheduled. Runs when the
 * executor starts, before any task initializes ND4J. {@code SparkContexts} enables it whenever
 * executors request GPUs, and then runs {@link GpuPreflight#runOnExecutors} before any training:
 * an executor that failed here would only be relaunched by the cluster manager, again and again,
 * while a failed task reaches the driver with its reason.
 */
public final class GpuPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new Executor();
    }

    static final class Executor implements ExecutorPlugin {
        private static final Logger log = LoggerFactory.getLogger(GpuPlugin.class);
        private static final String CUDA_ENVIRONMENT = "org.nd4j.jita.conf.CudaEnvironment";

        private Integer boundDevice;

        @Override
        public void init(PluginContext ctx, Map<String, String> extraConf) {
            ResourceInformation gpu = ctx.resources().get("gpu");
            if (gpu == null || gpu.addresses().length == 0) {
                log.warn("Executor {} has no GPU assigned; ND4J uses its default device", ctx.executorID());
                return;
            }
            List<String> addresses = Arrays.asList(gpu.addresses());
            if (addresses.size() > 1) {
                log.warn("Executor {} was assigned GPUs {}; a DL4J worker trains on one, so only {} is used",
                        ctx.executorID(), addresses, addresses.get(0));
            }
            boundDevice = Integer.parseInt(addresses.get(0));
            bindNd4j(boundDevice, ctx.executorID());
        }

        /** The device this executor's ND4J was bound to, or null. */
        Integer boundDevice() {
            return boundDevice;
        }

        private static void bindNd4j(int device, String executorId) {
            Class<?> environment;
            try {
                environment = Class.forName(CUDA_ENVIRONMENT);
            } catch (ClassNotFoundException e) {
                log.warn("Executor {} was assigned GPU {} but runs ND4J's CPU backend; build with -Dbackend=cuda "
                        + "to train on it", executorId, device);
                return;
            }
            // Reflection because the class exists only in the CUDA backend, not in the default build.
            try {
                Object instance = environment.getMethod("getInstance").invoke(null);
                Object configuration = environment.getMethod("getConfiguration").invoke(instance);
                Method allowMultiGpu = configuration.getClass().getMethod("allowMultiGPU", boolean.class);
                allowMultiGpu.invoke(configuration, false);
                configuration.getClass().getMethod("useDevice", Integer.class).invoke(configuration, device);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot bind ND4J to GPU " + device + ": " + e, e);
            }
            log.info("Executor {}: ND4J bound to GPU {}", executorId, device);
        }
    }
}
