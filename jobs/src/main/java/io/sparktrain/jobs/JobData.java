package io.sparktrain.jobs;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import java.io.IOException;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A job's data, fetched, verified and exported as shards, with the shape a model needs. */
record JobData(ShardSet train, ShardSet test, int rows, int cols, int numClasses) {
    private static final Logger log = LoggerFactory.getLogger(JobData.class);

    static JobData prepare(JavaSparkContext sc, Storage storage, TrainConfig config, JobLocations locations)
            throws IOException {
        Datasets.TrainTest data = Datasets.load(config.data().dataset(), locations.cacheDir(),
                locations.sourceDir());
        LabeledImages train = data.train().first(config.data().trainExamples());
        LabeledImages test = data.test().first(config.data().testExamples());
        log.info("Dataset {}: {} training and {} test images of {}x{}, {} classes", config.data().dataset(),
                train.count(), test.count(), train.rows(), train.cols(), train.numClasses());
        ShardExporter exporter = new ShardExporter(sc, storage);
        int batchSize = config.training().batchSizePerWorker();
        long seed = config.data().shuffleSeed();
        return new JobData(exporter.exportOrReuse(train, locations.shardRoot(), batchSize, seed),
                exporter.exportOrReuse(test, locations.shardRoot(), batchSize, seed),
                train.rows(), train.cols(), train.numClasses());
    }

    ModelSpec modelSpec(TrainConfig.Model model) {
        return ModelSpec.of(model, 1, rows, cols, numClasses);
    }
}
