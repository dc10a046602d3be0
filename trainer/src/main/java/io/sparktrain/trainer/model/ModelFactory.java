package io.sparktrain.trainer.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * Builds a network's configuration from a {@link ModelSpec}; the training loop never knows which.
 * Every model is a ComputationGraph, even a plain stack of layers, so one training loop, one
 * checkpoint format and one synchronization path serve them all.
 */
public interface ModelFactory {
    ComputationGraphConfiguration configuration(ModelSpec spec);
}
