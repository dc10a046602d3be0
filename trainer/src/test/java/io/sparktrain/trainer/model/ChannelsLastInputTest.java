package io.sparktrain.trainer.model;

import static io.sparktrain.trainer.testing.ExactArrays.assertBitwiseEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class ChannelsLastInputTest {
    private final ChannelsLastInput input = new ChannelsLastInput(4, 5, 3);

    /** Value (n, c, h, w) of a flat row, channel planes one after the other, lands at [n, h, w, c]. */
    @Test
    void movesEachChannelPlaneToTheLastAxis() {
        INDArray flat = Nd4j.linspace(DataType.FLOAT, 0, 2 * 60, 1).reshape(2, 60);
        INDArray nhwc = input.preProcess(flat, 2, LayerWorkspaceMgr.noWorkspaces());
        assertArrayEquals(new long[] {2, 4, 5, 3}, nhwc.shape());
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 4; h++) {
                    for (int w = 0; w < 5; w++) {
                        assertEquals(flat.getFloat(n, c * 20 + h * 5 + w), nhwc.getFloat(n, h, w, c));
                    }
                }
            }
        }
        assertBitwiseEqual(flat, input.backprop(nhwc, 2, LayerWorkspaceMgr.noWorkspaces()), "back to flat rows");
    }

    @Test
    void describesTheLayerItFeeds() {
        assertEquals(InputType.convolutional(4, 5, 3, CNN2DFormat.NHWC),
                input.getOutputType(InputType.convolutionalFlat(4, 5, 3)));
        assertThrows(IllegalStateException.class, () -> input.getOutputType(InputType.feedForward(59)));
    }

    @Test
    void namesTheShapeItExpected() {
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> input.preProcess(Nd4j.create(DataType.FLOAT, 2, 59), 2, LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(wrong.getMessage().contains("3x4x5 = 60 values per row")
                && wrong.getMessage().contains("[2, 59]"), wrong.getMessage());
    }

    /** DL4J's Spark workers and checkpoints rebuild networks from JSON. */
    @Test
    void survivesJson() throws Exception {
        ObjectMapper json = NeuralNetConfiguration.mapper();
        InputPreProcessor back = json.readValue(json.writeValueAsString(input), InputPreProcessor.class);
        assertEquals(input, back);
    }
}
