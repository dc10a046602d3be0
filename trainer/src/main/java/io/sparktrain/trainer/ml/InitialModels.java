package io.sparktrain.trainer.ml;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.runs.RunDirectory;
import io.sparktrain.trainer.runs.RunStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** Where a warm start takes its parameters from: a saved model, or a run's last checkpoint. */
final class InitialModels {
    private InitialModels() {}

    static ComputationGraph read(SparkSession spark, Storage storage, URI runRoot, String reference)
            throws IOException {
        if (storage.exists(StageMetadata.metadataFile(reference))) {
            return SparkTrainClassificationModel.read().session(spark).load(reference).network();
        }
        RunDirectory run;
        try {
            run = new RunStore(storage, runRoot).find(reference);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("initialModel = " + reference + " is neither a saved model nor a "
                    + "run: " + e.getMessage(), e);
        }
        int epoch = run.lastCheckpointEpoch().orElseThrow(() -> new IllegalArgumentException(
                "initialModel = " + reference + ": run " + run.id() + " has no checkpoint to start from"));
        return run.readCheckpoint(epoch);
    }
}
