package io.sparktrain.trainer.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;

/** Builds a network's configuration from a {@link ModelSpec}; the training loop never knows which. */
public interface ModelFactory {
    MultiLayerConfiguration configuration(ModelSpec spec);
}
