package io.sparktrain.datasets.testing;

import io.sparktrain.datasets.spark.RecordsKryoRegistrator;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A local Spark context for the datasets module's tests: loopback only, no UI, Kryo for records.
 * (ND4J's registrator lives in DL4J's Spark module; trainer tests use the jobs' own SparkContexts.)
 */
public final class TestSpark {
    private TestSpark() {}

    public static SparkConf conf(int threads) {
        return new SparkConf()
                .setMaster("local[" + threads + "]")
                .setAppName("sparktrain-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", RecordsKryoRegistrator.class.getName());
    }

    public static JavaSparkContext start(int threads) {
        return new JavaSparkContext(conf(threads));
    }
}
