package io.sparktrain.trainer.dl4j;

import java.lang.reflect.Field;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's batch normalization with {@link FusedBatchNormHelper} in place of its oneDNN helper. A
 * layer configuration, not a patch applied after a network is built, because DL4J's Spark workers
 * build their networks from the configuration's JSON themselves; this class's name travels in it.
 * Where DL4J would not use its oneDNN helper (helpers disabled, the CUDA backend), nothing changes.
 */
public class FusedBatchNormalization extends BatchNormalization {
    private static final Field HELPER = helperField();

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Layer layer = super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams,
                networkDataType);
        if (layer.getHelper() instanceof MKLDNNBatchNormHelper) {
            try {
                HELPER.set(layer, new FusedBatchNormHelper());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("DL4J's BatchNormalization.helper is not writable", e);
            }
        }
        return layer;
    }

    private static Field helperField() {
        try {
            Field field = org.deeplearning4j.nn.layers.normalization.BatchNormalization.class
                    .getDeclaredField("helper");
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's BatchNormalization layer has no helper field: "
                    + "FusedBatchNormalization must follow the DL4J version", e);
        }
    }
}
