package io.sparktrain.datasets.shards;

import java.io.Serializable;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.impl.SerializedDataSetLoader;

/**
 * How an export's shards become minibatches, on executors: for training, once per epoch so that
 * augmentation can differ between epochs, and for evaluation.
 */
public interface ShardLoaders extends Serializable {
    DataSetLoader training(int epoch);

    DataSetLoader evaluation();

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
