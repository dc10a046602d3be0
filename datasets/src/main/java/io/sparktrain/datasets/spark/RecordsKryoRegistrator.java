package io.sparktrain.datasets.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo (version 4, which cannot read a record's fields) serialize Java records, by
 * falling back to Java serialization for them. Jobs list it in {@code spark.kryo.registrator}
 * after ND4J's registrator.
 */
public final class RecordsKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
    }
}
