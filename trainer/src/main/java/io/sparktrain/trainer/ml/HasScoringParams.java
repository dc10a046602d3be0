package io.sparktrain.trainer.ml;

import io.sparktrain.trainer.scoring.BatchScorer;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The shared params as the public no-argument methods Spark looks for by reflection, with
 * getters and setters. A stage holds its {@link ScoringParams} and hands them out here;
 * {@code S} is the stage's own type, which the setters return.
 */
public interface HasScoringParams<S extends HasScoringParams<S>> extends Params {
    ScoringParams scoringParams();

    default Param<String> featuresCol() {
        return scoringParams().featuresCol();
    }

    default Param<String> predictionCol() {
        return scoringParams().predictionCol();
    }

    default Param<String> probabilityCol() {
        return scoringParams().probabilityCol();
    }

    default Param<String> rawPredictionCol() {
        return scoringParams().rawPredictionCol();
    }

    default IntArrayParam inputShape() {
        return scoringParams().inputShape();
    }

    default IntParam inferenceBatchSize() {
        return scoringParams().inferenceBatchSize();
    }

    default String getFeaturesCol() {
        return getOrDefault(featuresCol());
    }

    default int[] getInputShape() {
        return getOrDefault(inputShape());
    }

    default int getInferenceBatchSize() {
        return (Integer) getOrDefault(inferenceBatchSize());
    }

    default S setFeaturesCol(String value) {
        return with(featuresCol(), value);
    }

    default S setPredictionCol(String value) {
        return with(predictionCol(), value);
    }

    default S setProbabilityCol(String value) {
        return with(probabilityCol(), value);
    }

    default S setRawPredictionCol(String value) {
        return with(rawPredictionCol(), value);
    }

    default S setInputShape(int... value) {
        return with(inputShape(), value);
    }

    default S setInferenceBatchSize(int value) {
        return with(inferenceBatchSize(), value);
    }

    @SuppressWarnings("unchecked")
    private <T> S with(Param<T> param, T value) {
        set(param, value);
        return (S) this;
    }

    /** The output columns, as set. */
    default BatchScorer.Columns scoringColumns() {
        return new BatchScorer.Columns(getOrDefault(rawPredictionCol()), getOrDefault(probabilityCol()),
                getOrDefault(predictionCol()));
    }
}
