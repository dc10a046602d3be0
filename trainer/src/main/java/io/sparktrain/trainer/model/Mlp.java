package io.sparktrain.trainer.model;

import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.dl4j.FastReLU;
import io.sparktrain.trainer.dl4j.FusedBatchNormalization;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.constraint.MaxNormConstraint;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * Dense layers, from none (linear, logistic or softmax regression: the output layer alone) to deep
 * stacks. Hidden layer {@code denseN} is its weights, then batch normalization ({@code denseN_bn})
 * and the activation ({@code denseN_act}) when model.batch-norm is on; dropout acts on its outputs
 * (DL4J applies a layer's dropout to that layer's input, so it is set on the next layer).
 */
public final class Mlp implements ModelFactory {

    @Override
    public ComputationGraphConfiguration configuration(ModelSpec spec) {
        TrainConfig.Model model = spec.model();
        ComputationGraphConfiguration.GraphBuilder graph = spec.commonSettings()
                .weightInit(weightInit(model.weightInit()))
                .graphBuilder()
                .addInputs(ModelSpec.INPUT);
        List<Integer> hidden = model.hiddenLayers();
        String last = ModelSpec.INPUT;
        for (int i = 0; i < hidden.size(); i++) {
            String name = "dense" + (i + 1);
            DenseLayer.Builder dense = new DenseLayer.Builder().nOut(hidden.get(i));
            regularize(dense, model, i > 0);
            if (model.batchNorm()) {
                graph.layer(name, dense.activation(Activation.IDENTITY).build(), last);
                graph.layer(name + "_bn", new FusedBatchNormalization(), name);
                graph.layer(name + "_act", new ActivationLayer.Builder().activation(activation(model.activation()))
                        .build(), name + "_bn");
                last = name + "_act";
            } else {
                graph.layer(name, dense.activation(activation(model.activation())).build(), last);
                last = name;
            }
        }
        OutputLayer.Builder output = new OutputLayer.Builder(loss(model.loss())).nOut(spec.outputs())
                .activation(activation(model.outputActivation()));
        regularize(output, model, !hidden.isEmpty());
        return graph.layer(ModelSpec.OUTPUT, output.build(), last)
                .setOutputs(ModelSpec.OUTPUT)
                .setInputTypes(InputType.feedForward(spec.inputSize()))
                .build();
    }

    private static void regularize(BaseLayer.Builder<?> layer, TrainConfig.Model model, boolean afterHiddenLayer) {
        if (model.dropout() > 0 && afterHiddenLayer) {
            layer.dropOut(1 - model.dropout()); // DL4J takes the probability of keeping a unit
        }
        if (model.maxNorm() > 0) {
            // Weights are [inputs, units]: the norm over dimension 0 is each unit's incoming weight vector.
            layer.constrainWeights(new MaxNormConstraint(model.maxNorm(), 0));
        }
    }

    static IActivation activation(String name) {
        return switch (name) {
            case "relu" -> new FastReLU();
            case "leakyrelu" -> new ActivationLReLU(0.01);
            case "elu" -> new ActivationELU(1.0);
            case "sigmoid" -> Activation.SIGMOID.getActivationFunction();
            case "tanh" -> Activation.TANH.getActivationFunction();
            case "identity" -> Activation.IDENTITY.getActivationFunction();
            case "softmax" -> Activation.SOFTMAX.getActivationFunction();
            case "step" -> new ActivationStep();
            default -> throw new IllegalArgumentException("activation " + name + " has no implementation");
        };
    }

    static ILossFunction loss(String name) {
        return switch (name) {
            case "cross-entropy" -> new LossMCXENT();
            case "binary-cross-entropy" -> new LossBinaryXENT();
            case "mse" -> new LossMSE();
            case "l1" -> new LossL1();
            case "perceptron" -> new PerceptronLoss();
            default -> throw new IllegalArgumentException("model.loss = " + name + " has no implementation");
        };
    }

    static IWeightInit weightInit(String name) {
        return switch (name) {
            case "glorot-uniform" -> WeightInit.XAVIER_UNIFORM.getWeightInitFunction();
            case "glorot-normal" -> WeightInit.XAVIER.getWeightInitFunction();
            case "he-uniform" -> WeightInit.RELU_UNIFORM.getWeightInitFunction();
            case "he-normal" -> WeightInit.RELU.getWeightInitFunction();
            // DL4J's NORMAL scales by the fan-in; the course draws from a standard normal.
            case "normal" -> new WeightInitDistribution(new NormalDistribution(0, 1));
            case "zero" -> WeightInit.ZERO.getWeightInitFunction();
            default -> throw new IllegalArgumentException("model.weight-init = " + name + " has no implementation");
        };
    }
}
