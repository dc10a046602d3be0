package io.sparktrain.trainer.reproduce;

import io.sparktrain.datasets.tables.Table;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** An example after training: its network, its table, the loss of every step and the training time. */
public record ExampleRun(Example example, ComputationGraph network, Table table, double[] losses, double seconds) {}
