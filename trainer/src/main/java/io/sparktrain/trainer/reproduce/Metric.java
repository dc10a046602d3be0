package io.sparktrain.trainer.reproduce;

import io.sparktrain.trainer.loop.TableTraining;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** What a check measures on a trained example. */
public enum Metric {
    /** The loss the course prints last: a table's last step's, a dataset's last epoch's mean. */
    LOSS("loss"),
    /**
     * On a table, its correctly classified rows: for one output 0.5 as the threshold (the sign for a
     * perceptron), for several the largest. On a Spark dataset, the test accuracy after the last epoch.
     */
    ACCURACY("accuracy"),
    /** The epochs trained: fewer than training.epochs when early stopping ended the run. */
    EPOCHS("epochs"),
    /** The network's outputs for every row of the table, row after row. */
    OUTPUTS("outputs"),
    /** The network's output (number {@code output}) for {@code input}. */
    PREDICTION("prediction"),
    /** The class the network gives {@code input}. */
    CLASS("class"),
    /** The values of a parameter array, such as {@code output_W}. */
    PARAM("param"),
    /** The sum of a parameter array. */
    PARAM_SUM("param-sum"),
    /** With model.loss = perceptron: how many updates Rosenblatt's rule made, one per mistake. */
    UPDATES("updates");

    private final String key;

    Metric(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static Metric of(String key) {
        return Arrays.stream(values()).filter(m -> m.key.equals(key)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("metric '" + key + "' is not one of " + keys()));
    }

    /** Whether the metric needs the table an example trained on, which a Spark dataset example has not. */
    boolean needsTable() {
        return this == OUTPUTS || this == UPDATES;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(Metric::key).toList();
    }

    /** The measured values, as many as the check expects. */
    double[] measure(Check check, ExampleRun run) {
        ComputationGraph network = run.network();
        return switch (this) {
            case LOSS -> new double[] {run.finalLoss()};
            case ACCURACY -> new double[] {run.table().isPresent()
                    ? accuracy(network, run.table().get().toDataSet(), perceptron(run))
                    : run.testAccuracies()[run.testAccuracies().length - 1]};
            case EPOCHS -> new double[] {run.epochLosses().length};
            case OUTPUTS -> network.outputSingle(false, run.requireTable().toDataSet().getFeatures()).toDoubleVector();
            case PREDICTION -> new double[] {predict(network, check.input()).getDouble(check.output())};
            case CLASS -> new double[] {classOf(predict(network, check.input()), perceptron(run))};
            case PARAM -> network.getParam(check.param()).toDoubleVector();
            case PARAM_SUM -> new double[] {network.getParam(check.param()).sumNumber().doubleValue()};
            case UPDATES -> new double[] {updates(run)};
        };
    }

    /** Each step's loss is its fraction of mistakes; times its rows, the updates it made. */
    private static double updates(ExampleRun run) {
        if (!run.example().config().model().loss().equals("perceptron")) {
            throw new IllegalArgumentException("updates counts the mistakes of model.loss = perceptron");
        }
        int batch = run.example().config().training().batchSizePerWorker();
        double updates = 0;
        int rows = run.requireTable().rows();
        for (int step = 0; step < run.stepLosses().length; step++) {
            updates += run.stepLosses()[step] * TableTraining.rowsInStep(step, rows, batch);
        }
        return Math.round(updates);
    }

    private static INDArray predict(ComputationGraph network, List<Double> input) {
        INDArray row = Nd4j.create(input.stream().mapToDouble(Double::doubleValue).toArray(), 1, input.size())
                .castTo(DataType.FLOAT);
        return network.outputSingle(false, row).getRow(0);
    }

    /** A perceptron's single output decides by its sign, a sigmoid's by 0.5; several outputs by the largest. */
    private static int classOf(INDArray outputs, boolean sign) {
        if (outputs.length() > 1) {
            return outputs.argMax().getInt(0);
        }
        double output = outputs.getDouble(0);
        return (sign ? output > 0 : output >= 0.5) ? 1 : 0;
    }

    private static boolean perceptron(ExampleRun run) {
        return run.example().config().model().loss().equals("perceptron");
    }

    private static double accuracy(ComputationGraph network, DataSet table, boolean sign) {
        INDArray outputs = network.outputSingle(false, table.getFeatures());
        INDArray labels = table.getLabels();
        int correct = 0;
        for (int i = 0; i < outputs.rows(); i++) {
            if (classOf(outputs.getRow(i), sign) == classOf(labels.getRow(i), false)) {
                correct++;
            }
        }
        return (double) correct / outputs.rows();
    }
}
