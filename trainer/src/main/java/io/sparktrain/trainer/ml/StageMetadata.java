package io.sparktrain.trainer.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparktrain.datasets.storage.Storage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.SparkSession;

/**
 * A stage's {@code metadata/} in the layout Spark ML's own stages save (class, uid, Spark version,
 * explicitly set params and defaults as JSON, one line in a text file), so that Pipeline and
 * PipelineModel save and load a pipeline holding the stage. Spark's writer for it is internal to
 * Spark, so the JSON is written here; model bytes never go into it.
 */
final class StageMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "part-00000";

    private StageMetadata() {}

    /** What was read back: the fields Spark writes, and the stage's own extra fields. */
    record Loaded(String uid, JsonNode json) {
        String text(String field) {
            return json.path(field).asText();
        }
    }

    static Storage storage(SparkSession spark) {
        return new Storage(spark.sparkContext().hadoopConfiguration());
    }

    static URI metadataFile(String path) {
        return Storage.resolve(Storage.toUri(path), "metadata/" + FILE);
    }

    /** Writes {@code stage}'s metadata below {@code path}, with {@code extra} fields beside Spark's. */
    static void write(Params stage, String path, SparkSession spark, Map<String, Object> extra) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.put("class", stage.getClass().getName());
        json.put("timestamp", System.currentTimeMillis());
        json.put("sparkVersion", spark.version());
        json.put("uid", stage.uid());
        ObjectNode set = json.putObject("paramMap");
        ObjectNode defaults = json.putObject("defaultParamMap");
        for (Param<?> param : stage.params()) {
            if (stage.isSet(param)) {
                set.set(param.name(), JSON.readTree(encode(param, stage.get(param).get())));
            }
            if (stage.hasDefault(param)) {
                defaults.set(param.name(), JSON.readTree(encode(param, stage.getDefault(param).get())));
            }
        }
        extra.forEach((field, value) -> json.set(field, JSON.valueToTree(value)));
        Storage storage = storage(spark);
        storage.writeStringAtomically(metadataFile(path), JSON.writeValueAsString(json) + "\n");
        storage.writeStringAtomically(Storage.resolve(Storage.toUri(path), "metadata/_SUCCESS"), "");
    }

    @SuppressWarnings("unchecked")
    private static String encode(Param<?> param, Object value) {
        return ((Param<Object>) param).jsonEncode(value);
    }

    /** Reads the metadata below {@code path}, checking it was saved by a stage of {@code expected}. */
    static Loaded read(String path, SparkSession spark, Class<?> expected) throws IOException {
        URI file = metadataFile(path);
        Storage storage = storage(spark);
        if (!storage.exists(file)) {
            throw new FileNotFoundException(Storage.display(file) + " does not exist: " + path
                    + " is not a saved " + expected.getSimpleName());
        }
        JsonNode json = JSON.readTree(storage.readString(file));
        if (!expected.getName().equals(json.path("class").asText())) {
            throw new IllegalArgumentException(path + " holds a saved " + json.path("class").asText()
                    + ", not a " + expected.getName());
        }
        return new Loaded(json.path("uid").asText(), json);
    }

    /** What a stage's writer does with its directory. */
    @FunctionalInterface
    interface Save {
        void save(String path, SparkSession spark) throws IOException;
    }

    /** What a stage's reader does with its directory. */
    @FunctionalInterface
    interface Load<T> {
        T load(String path, SparkSession spark) throws IOException;
    }

    /** Spark's writer around {@code save}; Spark's API declares no IOException, so it goes unchecked. */
    static MLWriter writer(Save save) {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                try {
                    save.save(path, sparkSession());
                } catch (IOException e) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
            }
        };
    }

    /** Spark's reader around {@code load}. */
    static <T> MLReader<T> reader(Load<T> load) {
        return new MLReader<>() {
            @Override
            public T load(String path) {
                try {
                    return load.load(path, sparkSession());
                } catch (IOException e) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
            }
        };
    }

    /** Sets on {@code stage} the defaults and then the params {@code metadata} holds. */
    static void restoreParams(Params stage, Loaded metadata) {
        restore(stage, metadata.json().path("defaultParamMap"), true);
        restore(stage, metadata.json().path("paramMap"), false);
    }

    @SuppressWarnings("unchecked")
    private static void restore(Params stage, JsonNode values, boolean defaults) {
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            Param<Object> param = (Param<Object>) stage.getParam(entry.getKey());
            Object value = param.jsonDecode(entry.getValue().toString());
            if (defaults) {
                stage.setDefault(param, value);
            } else {
                stage.set(param, value);
            }
        }
    }
}
