package io.sparktrain.trainer.dl4j;

import static io.sparktrain.trainer.testing.CloseArrays.assertClose;
import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.model.NativeLayerOps;
import io.sparktrain.trainer.testing.RebuiltNetworks;
import io.sparktrain.trainer.testing.RestoresHelpersProperty;
import java.io.IOException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

@ExtendWith(RestoresHelpersProperty.class)
class FastDeconvolution2DTest {
    @BeforeEach
    void nativeOpsOn() {
        NativeLayerOps.enableInThisJvm();
    }

    /**
     * Against DL4J's own layer, from the same parameters: outputs, loss, every gradient and, after
     * three Adam steps, every parameter. oneDNN sums in another order than OpenBLAS and col2im,
     * hence the tolerances; the inputs are the DCGAN's shape, 7x7 maps to 14x14 with a bias.
     */
    @Test
    void trainsLikeDl4jsDeconvolution() {
        ComputationGraph dl4j = network(false, 7);
        ComputationGraph fast = network(true, 7);
        fast.setParams(dl4j.params().dup());
        DataSet batch = batch(7);
        fast.getLayer("deconv").setInput(batch.getFeatures(), LayerWorkspaceMgr.noWorkspaces());
        assertTrue(deconvolution(fast).throughOneDnn(fast.getLayer("deconv").getParam("W")),
                "the DCGAN's shape goes through deconv2d_tf");
        assertClose(dl4j.outputSingle(true, batch.getFeatures()), fast.outputSingle(true, batch.getFeatures()),
                1e-5, "output");
        for (ComputationGraph net : new ComputationGraph[] {dl4j, fast}) {
            net.setInputs(batch.getFeatures());
            net.setLabels(batch.getLabels());
            net.computeGradientAndScore();
        }
        assertEquals(dl4j.score(), fast.score(), 1e-5 * Math.abs(dl4j.score()), "loss");
        assertClose(dl4j.gradient().gradient(), fast.gradient().gradient(), 1e-4, "gradient");
        for (int step = 0; step < 3; step++) {
            dl4j.fit(batch);
            fast.fit(batch);
        }
        assertClose(dl4j.params(), fast.params(), 1e-4, "parameters after three Adam steps");
    }

    /**
     * The layer's own backward pass, where the test above sees only the weight and bias gradients:
     * the gradient it hands to the layer below (the DCGAN's deconvolutions follow other layers).
     */
    @Test
    void passesDl4jsGradientToTheLayerBelow() {
        ComputationGraph dl4j = network(false, 7);
        ComputationGraph fast = network(true, 7);
        fast.setParams(dl4j.params().dup());
        INDArray features = batch(7).getFeatures();
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, 8, 4, 14, 14);
        INDArray[] inputGradients = new INDArray[2];
        INDArray[] weightGradients = new INDArray[2];
        ComputationGraph[] networks = {dl4j, fast};
        for (int i = 0; i < 2; i++) {
            networks[i].initGradientsView();
            org.deeplearning4j.nn.api.Layer layer = networks[i].getLayer("deconv");
            layer.setInput(features, LayerWorkspaceMgr.noWorkspaces());
            var backward = layer.backpropGradient(epsilon.dup(), LayerWorkspaceMgr.noWorkspaces());
            inputGradients[i] = backward.getSecond().dup();
            weightGradients[i] = backward.getFirst().getGradientFor("W").dup();
        }
        assertClose(inputGradients[0], inputGradients[1], 1e-5, "gradient to the layer below");
        assertClose(weightGradients[0], weightGradients[1], 1e-5, "weight gradient");
    }

    /** Shapes deconv2d_tf would compute differently, and helpers switched off, keep DL4J's own forward pass. */
    @Test
    void dl4jsForwardPassWhereDeconv2dTfDoesNotApply() {
        ComputationGraph dl4j = network(false, 7);
        ComputationGraph fast = network(true, 7);
        fast.setParams(dl4j.params().dup());
        INDArray wide = Nd4j.randn(DataType.FLOAT, 8, 3, 5, 7);
        INDArray expected = dl4j.getLayer("deconv").activate(wide, true, LayerWorkspaceMgr.noWorkspaces());
        assertBitwiseEqual(expected, fast.getLayer("deconv").activate(wide, true, LayerWorkspaceMgr.noWorkspaces()),
                "5x7 maps");

        System.setProperty(NativeLayerOps.DISABLE_PROPERTY, "true");
        ComputationGraph off = network(true, 7);
        off.setParams(dl4j.params().dup());
        off.getLayer("deconv").setInput(batch(7).getFeatures(), LayerWorkspaceMgr.noWorkspaces());
        assertFalse(deconvolution(off).throughOneDnn(off.getLayer("deconv").getParam("W")));
    }

    /** DL4J's Spark workers and every checkpoint rebuild the layer from JSON. */
    @Test
    void survivesJsonAndCheckpoints() throws IOException {
        ComputationGraph fast = network(true, 7);
        assertInstanceOf(FastDeconvolution2D.Layer2D.class,
                RebuiltNetworks.fromJson(fast, FastDeconvolution2D.class).getLayer("deconv"));
        ComputationGraph restored = RebuiltNetworks.fromCheckpoint(fast);
        assertInstanceOf(FastDeconvolution2D.Layer2D.class, restored.getLayer("deconv"));
        INDArray features = batch(7).getFeatures();
        assertBitwiseEqual(fast.outputSingle(false, features), restored.outputSingle(false, features), "output");
    }

    private static FastDeconvolution2D.Layer2D deconvolution(ComputationGraph network) {
        return (FastDeconvolution2D.Layer2D) network.getLayer("deconv");
    }

    /** 3 maps of side x side to 4 maps of twice the side, then a dense output of 5 values. */
    private static ComputationGraph network(boolean fast, int side) {
        Deconvolution2D.Builder builder = new Deconvolution2D.Builder(5, 5).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).nOut(4).activation(Activation.TANH);
        Layer deconvolution = fast ? new FastDeconvolution2D(builder) : builder.build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(0.01))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(side, side, 3))
                .addLayer("deconv", deconvolution, "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(5)
                        .activation(Activation.IDENTITY).build(), "deconv")
                .setOutputs("out").build();
        ComputationGraph network = new ComputationGraph(conf);
        network.init();
        return network;
    }

    private static DataSet batch(int side) {
        Nd4j.getRandom().setSeed(17);
        return new DataSet(Nd4j.randn(DataType.FLOAT, 8, 3, side, side), Nd4j.randn(DataType.FLOAT, 8, 5));
    }
}
