package io.sparktrain.trainer.loop;

import io.sparktrain.datasets.Datasets;
import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.augment.Augmentation;
import io.sparktrain.datasets.augment.AugmentedLoaders;
import io.sparktrain.datasets.imagenet.ClassList;
import io.sparktrain.datasets.imagenet.ClassSubsets;
import io.sparktrain.datasets.imagenet.ImageExportSettings;
import io.sparktrain.datasets.imagenet.ImageLoaders;
import io.sparktrain.datasets.imagenet.ImageNetExporter;
import io.sparktrain.datasets.imagenet.ImageExport;
import io.sparktrain.datasets.imagenet.ImageNetLayout;
import io.sparktrain.datasets.imagenet.ImageSplit;
import io.sparktrain.datasets.shards.ShardExporter;
import io.sparktrain.datasets.shards.ShardLoaders;
import io.sparktrain.datasets.shards.ShardSet;
import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.TrainConfig;
import io.sparktrain.trainer.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job's data, fetched or read, verified and exported as shards, with the loaders that turn shards
 * into minibatches and the shape a model needs. Image datasets also name their classes, in label
 * index order, for the run to keep.
 */
public record TrainingData(ShardSet train, ShardSet test, ShardLoaders loaders, int channels, int rows, int cols,
        int numClasses, Optional<ClassList> classes) {
    private static final Logger log = LoggerFactory.getLogger(TrainingData.class);

    public static TrainingData prepare(JavaSparkContext sc, Storage storage, TrainConfig config, JobLocations locations)
            throws IOException {
        return config.data().dataset().equals(Datasets.IMAGENET) ? images(sc, storage, config, locations)
                : mnistFormat(sc, storage, config, locations);
    }

    private static TrainingData mnistFormat(JavaSparkContext sc, Storage storage, TrainConfig config,
            JobLocations locations) throws IOException {
        Datasets.TrainTest data = Datasets.load(config.data().dataset(), locations.cacheDir(),
                locations.sourceDir());
        LabeledImages train = data.train().first(config.data().trainExamples());
        LabeledImages test = data.test().first(config.data().testExamples());
        log.info("Dataset {}: {} training and {} test images of {}x{}, {} classes", config.data().dataset(),
                train.count(), test.count(), train.rows(), train.cols(), train.numClasses());
        ShardExporter exporter = new ShardExporter(sc, storage);
        int batchSize = config.training().batchSizePerWorker();
        long seed = config.data().shuffleSeed();
        Augmentation augmentation = new Augmentation(config.data().augmentShift(), config.data().augmentRotation(),
                config.data().augmentFlip());
        ShardLoaders loaders = augmentation.isNone() ? ShardLoaders.asStored()
                : new AugmentedLoaders(augmentation, 1, train.rows(), train.cols(), seed);
        return new TrainingData(exporter.exportOrReuse(train, locations.shardRoot(), batchSize, seed),
                exporter.exportOrReuse(test, locations.shardRoot(), batchSize, seed), loaders,
                1, train.rows(), train.cols(), train.numClasses(), Optional.empty());
    }

    /** An ImageNet-style directory: train/ by class folders, val/ by class folders or a ground-truth file. */
    private static TrainingData images(JavaSparkContext sc, Storage storage, TrainConfig config, JobLocations locations)
            throws IOException {
        TrainConfig.Data data = config.data();
        Path root = locations.sourceDir().orElseThrow();
        ImageSplit train = ImageNetLayout.train("imagenet-train", root.resolve("train"), selection(data.classes()));
        ImageSplit val = ImageNetLayout.validation("imagenet-val", root.resolve("val"), train.classes(),
                data.valGroundTruth().isEmpty() ? null : Path.of(data.valGroundTruth()));
        ImageExportSettings settings = new ImageExportSettings(data.resize(), config.training().batchSizePerWorker(),
                data.shuffleSeed()).withMaxUnreadableFraction(data.maxUnreadableFraction());
        ImageNetExporter exporter = new ImageNetExporter(sc, storage);
        ImageExport trainExport = exporter.exportOrReuse(train, locations.shardRoot(), settings);
        ImageExport valExport = exporter.exportOrReuse(val, locations.shardRoot(), settings);
        ImageLoaders loaders = new ImageLoaders(data.crop(), data.shuffleSeed());
        return new TrainingData(trainExport.shards(), valExport.shards(), loaders, 3, data.crop(), data.crop(),
                train.classes().size(), Optional.of(train.classes()));
    }

    /** {@code data.classes}: "" for every class folder, a shipped subset, or a file of WNIDs. */
    private static ClassList selection(String setting) throws IOException {
        if (setting.isEmpty()) {
            return null;
        }
        return ClassSubsets.NAMES.contains(setting) ? ClassSubsets.named(setting) : ClassSubsets.read(Path.of(setting));
    }

    public ModelSpec modelSpec(TrainConfig.Model model) {
        return ModelSpec.of(model, channels, rows, cols, numClasses);
    }
}
