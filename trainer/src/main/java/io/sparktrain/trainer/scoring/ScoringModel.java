package io.sparktrain.trainer.scoring;

import java.io.Serializable;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A network as executors receive it: DL4J's model bytes, and a key of its own that the executors'
 * {@link NetworkPool} files restored copies under. Not the broadcast's id: ids start again from
 * zero in every SparkContext, and a JVM that outlives one (local mode, tests, notebooks) would hand
 * a new model's tasks an old model's network.
 */
public record ScoringModel(String key, byte[] network) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Sends {@code network} to the executors once, under a new key. */
    public static Broadcast<ScoringModel> broadcast(JavaSparkContext sc, byte[] network) {
        return sc.broadcast(new ScoringModel(UUID.randomUUID().toString(), network));
    }
}
