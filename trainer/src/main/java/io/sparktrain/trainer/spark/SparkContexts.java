package io.sparktrain.trainer.spark;

import io.sparktrain.datasets.spark.RecordsKryoRegistrator;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.gpu.GpuPlugin;
import io.sparktrain.trainer.gpu.GpuPreflight;
import io.sparktrain.trainer.model.NativeLayerOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place a Spark context is configured for DL4J. */
public final class SparkContexts {
    static final String TIME_SOURCE_PROPERTY = "org.deeplearning4j.spark.time.TimeSource";
    static final String SYSTEM_CLOCK = "org.deeplearning4j.spark.time.SystemClockTimeSource";
    private static final String EXECUTOR_JAVA_OPTIONS = "spark.executor.extraJavaOptions";
    private static final String EXECUTOR_GPUS = "spark.executor.resource.gpu.amount";
    /**
     * Aeron's media driver refuses to start unless a blocked publication is released later than a
     * silent client is declared dead; DL4J sets the client liveness timeout to 30 s and leaves the
     * unblock timeout at Aeron's 15 s. Aeron reads it once per JVM, so it is set on every JVM up front.
     */
    static final String AERON_UNBLOCK_TIMEOUT = "aeron.publication.unblock.timeout";
    static final String AERON_UNBLOCK_NANOS = "60000000000";

    /** The ids a standalone Master gives the applications it admits. */
    private static final String STANDALONE_APP_ID_PREFIX = "app-";
    private static final Logger log = LoggerFactory.getLogger(SparkContexts.class);

    private SparkContexts() {}

    /**
     * Settings from spark-submit (or {@code spark.*} system properties) win over the job's
     * {@code spark.master} and {@code spark.app-name}; {@code spark.conf} entries win over both.
     */
    public static SparkConf sparkConf(TrainConfig.Spark spark) {
        SparkConf conf = new SparkConf();
        conf.set("spark.master", spark.effectiveMaster());
        conf.setIfMissing("spark.app.name", spark.appName());
        if (conf.get("spark.master").startsWith("local")) {
            // Everything runs in this JVM: nothing needs to listen beyond loopback.
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        // ND4J's arrays (DL4J checks for this registrator), then the project's records.
        conf.set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator," + RecordsKryoRegistrator.class.getName());
        // Parameters and updater state travel as one Kryo object; large models exceed the 64m default.
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        spark.conf().forEach(conf::set);
        if (!spark.secretFile().isEmpty()) {
            authenticate(conf, spark.secretFile());
        }
        if (conf.contains(EXECUTOR_GPUS)) {
            // DL4J ignores Spark's GPU assignment; the plugin binds each executor's ND4J to it.
            String plugins = conf.get("spark.plugins", "");
            if (!plugins.contains(GpuPlugin.class.getName())) {
                conf.set("spark.plugins", (plugins.isEmpty() ? "" : plugins + ",") + GpuPlugin.class.getName());
            }
            // CUDA numbers GPUs fastest first unless told otherwise; Spark's addresses are nvidia-smi's.
            conf.setIfMissing("spark.executorEnv.CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        }
        if (!conf.get("spark.master").startsWith("local")) {
            ExecutorMemory memory = ExecutorMemory.plan(conf, spark.executorOffheapMemory(), spark.containerMemoryLimit());
            memory.applyTo(conf);
            log.info("Executor memory: {}", memory.describe());
        }
        // DL4J's training statistics default to an NTP clock, unreachable behind cluster firewalls.
        String executorOptions = conf.get(EXECUTOR_JAVA_OPTIONS, "");
        if (!executorOptions.contains(TIME_SOURCE_PROPERTY)) {
            executorOptions += " -D" + TIME_SOURCE_PROPERTY + "=" + SYSTEM_CLOCK;
        }
        if (!executorOptions.contains(AERON_UNBLOCK_TIMEOUT)) {
            executorOptions += " -D" + AERON_UNBLOCK_TIMEOUT + "=" + AERON_UNBLOCK_NANOS;
        }
        conf.set(EXECUTOR_JAVA_OPTIONS, NativeLayerOps.withExecutorSetting(executorOptions.strip()));
        return conf;
    }

    /**
     * Spark's shared-secret authentication, with RPC and local-file encryption. The secret stays in
     * this JVM's SparkConf, which Spark redacts in its UI and logs; executors of a standalone
     * cluster get it from their Worker, not from a command line.
     */
    private static void authenticate(SparkConf conf, String secretFile) {
        String secret;
        try {
            secret = Files.readString(Path.of(secretFile)).strip();
        } catch (IOException e) {
            throw new InvalidConfigException(ConfigSchema.SECRET_FILE.key() + " = " + secretFile + ": "
                    + e.getMessage());
        }
        conf.set("spark.authenticate", "true");
        conf.set("spark.authenticate.secret", secret);
        conf.setIfMissing("spark.network.crypto.enabled", "true");
        conf.setIfMissing("spark.io.encryption.enabled", "true");
    }

    public static JavaSparkContext create(TrainConfig.Spark spark) {
        System.setProperty(TIME_SOURCE_PROPERTY, SYSTEM_CLOCK);
        NativeLayerOps.enableInThisJvm();
        if (System.getProperty(AERON_UNBLOCK_TIMEOUT) == null) {
            System.setProperty(AERON_UNBLOCK_TIMEOUT, AERON_UNBLOCK_NANOS);
        }
        JavaSparkContext sc = new JavaSparkContext(sparkConf(spark));
        String master = sc.getConf().get("spark.master");
        // A standalone Master that never admits the application (unreachable, or refusing an unknown
        // secret) leaves the context running under a made-up id until Spark stops it in the background.
        if (master.startsWith("spark://") && !sc.sc().applicationId().startsWith(STANDALONE_APP_ID_PREFIX)) {
            sc.stop();
            throw new ClusterRefusedException("the standalone master " + master + " did not admit the job: it "
                    + "cannot be reached, or it authenticates and this job "
                    + (spark.secretFile().isEmpty() ? "has no secret; set " + ConfigSchema.SECRET_FILE.key()
                            + " to the cluster's secret file (submit/cluster start writes DIR/secret)"
                            : "has another secret than " + ConfigSchema.SECRET_FILE.key() + " = "
                                    + spark.secretFile()) + ". Nothing was written");
        }
        if (sc.getConf().contains(EXECUTOR_GPUS)) {
            try {
                GpuPreflight.runOnExecutors(sc);
            } catch (RuntimeException e) {
                sc.stop();
                throw e;
            }
        }
        return sc;
    }
}
