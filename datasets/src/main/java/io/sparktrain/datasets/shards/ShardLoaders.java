package io.sparktrain.datasets.shards;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.impl.SerializedDataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.DataSet;

/**
 * How an export's shards become minibatches, on executors: for training, once per epoch so that
 * augmentation can differ between epochs, and for evaluation.
 */
public interface ShardLoaders extends Serializable {
    DataSetLoader training(int epoch);

    DataSetLoader evaluation();

    /** The DataSet a shard holds, as stored; loaders that change it start from this. */
    static DataSet readStored(Source source) throws IOException {
        DataSet stored = new DataSet();
        try (InputStream in = source.getInputStream()) {
            stored.load(in);
        }
        return stored;
    }

    /** Shards used as they are stored, as MNIST-style exports are. */
    static ShardLoaders asStored() {
        return new AsStored();
    }

    /** Both phases read the serialized DataSet unchanged. */
    record AsStored() implements ShardLoaders {
        @Override
        public DataSetLoader training(int epoch) {
            return new SerializedDataSetLoader();
        }

        @Override
        public DataSetLoader evaluation() {
            return new SerializedDataSetLoader();
        }
    }
}
