package io.sparktrain.trainer.ml;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

/**
 * The params the estimator and its model share: where features are read, where scores are
 * written, the shape of one example and the inference batch. One set per stage, made with the
 * stage's uid as parent, as Spark requires of a stage's params.
 */
public record ScoringParams(Param<String> featuresCol, Param<String> predictionCol, Param<String> probabilityCol,
        Param<String> rawPredictionCol, IntArrayParam inputShape, IntParam inferenceBatchSize)
        implements Serializable {

    static ScoringParams of(Params stage) {
        return new ScoringParams(
                new Param<>(stage, "featuresCol", "features column: a Vector, an array of numbers, or Spark's "
                        + "image struct (spark.read.format(\"image\"))"),
                new Param<>(stage, "predictionCol", "output column of the predicted class index, a double; "
                        + "\"\" leaves it out"),
                new Param<>(stage, "probabilityCol", "output column of the class probabilities, a Vector; "
                        + "\"\" leaves it out"),
                new Param<>(stage, "rawPredictionCol", "output column of the raw scores (log-probabilities), "
                        + "a Vector; \"\" leaves it out"),
                new IntArrayParam(stage, "inputShape", "shape of one example: channels, height, width (e.g. 1, 28, "
                        + "28); features are read channels first; required for images and convolutional networks",
                        SparkValidators.<int[]>of(shape -> shape.length == 3
                                && Arrays.stream(shape).allMatch(d -> d > 0)
                                && (long) shape[0] * shape[1] * shape[2] <= Integer.MAX_VALUE)),
                new IntParam(stage, "inferenceBatchSize", "rows per minibatch when scoring on the executors (>= 1)",
                        ParamValidators.gtEq(1)));
    }

    /** Spark ML's usual column names, and 256 rows per inference minibatch. */
    void setDefaults(Params stage) {
        stage.setDefault(featuresCol, "features");
        stage.setDefault(predictionCol, "prediction");
        stage.setDefault(probabilityCol, "probability");
        stage.setDefault(rawPredictionCol, "rawPrediction");
        stage.setDefault(inferenceBatchSize, 256);
    }
}
