package io.sparktrain.trainer.scoring;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import io.sparktrain.datasets.LabeledImages;
import io.sparktrain.datasets.idx.IdxFormatException;
import io.sparktrain.datasets.idx.IdxReader;
import io.sparktrain.datasets.idx.IdxReader.IdxTensor;
import io.sparktrain.datasets.imagenet.ClassList;
import io.sparktrain.datasets.imagenet.EvaluationImage;
import io.sparktrain.datasets.imagenet.ImageDecoder.UnreadableImageException;
import io.sparktrain.datasets.imagenet.ImageNetLayout;
import io.sparktrain.datasets.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Rows to score, read from files into the columns {@code id}, {@code features} and, when the
 * input has labels, {@code label}. Rows that cannot be read are set apart and counted, with the
 * ids of the first few, so the caller can apply the export's policy: skip and list them, and fail
 * above a fraction.
 */
public record PredictionInput(Dataset<Row> rows, boolean labeled, long unreadable, List<String> unreadableIds) {
    public static final String ID = "id";
    public static final String FEATURES = "features";
    public static final String LABEL = "label";
    private static final String PROBLEM = "problem";
    private static final int LISTED = 20;

    /**
     * MNIST-format IDX image files, each with its label file when {@code labels} is not empty, in
     * the given order; ids count the images across the files from 0. Pixels are scaled to [0, 1]
     * as the shards hold them.
     */
    public static PredictionInput idx(SparkSession spark, List<java.nio.file.Path> images,
            List<java.nio.file.Path> labels) throws IOException {
        if (!labels.isEmpty() && labels.size() != images.size()) {
            throw new IllegalArgumentException(labels.size() + " label files for " + images.size()
                    + " image files; give one for each, in the same order, or none");
        }
        List<LabeledImages> parts = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            if (labels.isEmpty()) {
                IdxTensor tensor = IdxReader.readImages(images.get(i));
                int[] dims = tensor.dimensions();
                parts.add(new LabeledImages(images.get(i).toString(), dims[1], dims[2], 256, tensor.data(),
                        new byte[dims[0]]));
            } else {
                parts.add(LabeledImages.fromIdx(images.get(i).toString(), images.get(i), labels.get(i), 256));
            }
            if (parts.get(i).rows() != parts.get(0).rows() || parts.get(i).cols() != parts.get(0).cols()) {
                throw new IdxFormatException(images.get(i), "holds " + parts.get(i).rows() + "x" + parts.get(i).cols()
                        + " images, but " + images.get(0) + " holds " + parts.get(0).rows() + "x"
                        + parts.get(0).cols());
            }
        }
        LabeledImages all = concatenate(parts);
        boolean labeled = !labels.isEmpty();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<LabeledImages> broadcast = sc.broadcast(all);
        int slices = Math.max(1, Math.min(all.count() / 1000 + 1, sc.defaultParallelism() * 4));
        StructType schema = new StructType().add(ID, DataTypes.LongType, false)
                .add(FEATURES, SQLDataTypes.VectorType(), false);
        if (labeled) {
            schema = schema.add(LABEL, DataTypes.DoubleType, false);
        }
        Dataset<Row> rows = spark.createDataFrame(sc.parallelize(
                LongStream.range(0, all.count()).boxed().toList(), slices).map(id -> imageRow(broadcast.value(),
                        id.intValue(), labeled)), schema);
        return new PredictionInput(rows, labeled, 0, List.of());
    }

    private static Row imageRow(LabeledImages images, int index, boolean labeled) {
        int pixels = images.pixelsPerImage();
        double[] features = new double[pixels];
        for (int p = 0; p < pixels; p++) {
            features[p] = (images.pixels()[index * pixels + p] & 0xFF) / 255f;
        }
        return labeled ? RowFactory.create((long) index, Vectors.dense(features), (double) images.label(index))
                : RowFactory.create((long) index, Vectors.dense(features));
    }

    private static LabeledImages concatenate(List<LabeledImages> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int count = parts.stream().mapToInt(LabeledImages::count).sum();
        int pixels = parts.get(0).pixelsPerImage();
        byte[] allPixels = new byte[count * pixels];
        byte[] allLabels = new byte[count];
        int at = 0;
        for (LabeledImages part : parts) {
            System.arraycopy(part.pixels(), 0, allPixels, at * pixels, part.count() * pixels);
            System.arraycopy(part.labels(), 0, allLabels, at, part.count());
            at += part.count();
        }
        LabeledImages first = parts.get(0);
        return new LabeledImages("idx", first.rows(), first.cols(), first.numClasses(), allPixels, allLabels);
    }

    /**
     * Parquet with a features column (a Vector or an array of numbers), and optionally a label and
     * an id column; without an id column, rows get Spark's monotonically increasing id, unique
     * and in input order. Rows whose features are null are unreadable.
     */
    public static PredictionInput parquet(SparkSession spark, String path, String featuresCol,
            Optional<String> labelCol, Optional<String> idCol) {
        Dataset<Row> data = spark.read().parquet(path);
        List<String> columns = Arrays.asList(data.columns());
        for (String column : concat(List.of(featuresCol), labelCol, idCol)) {
            if (!columns.contains(column)) {
                throw new IllegalArgumentException(path + " has no column \"" + column + "\"; it has " + columns);
            }
        }
        Column id = idCol.map(name -> col(name)).orElse(monotonically_increasing_id());
        List<Column> selected = new ArrayList<>(List.of(id.as(ID), col(featuresCol).as(FEATURES)));
        labelCol.ifPresent(name -> selected.add(col(name).cast(DataTypes.DoubleType).as(LABEL)));
        Dataset<Row> rows = data.select(selected.toArray(Column[]::new));
        return withUnreadable(rows.filter(col(FEATURES).isNotNull()), rows.filter(col(FEATURES).isNull()),
                labelCol.isPresent());
    }

    /**
     * A CSV table with a header: every column but {@code labelCol} (when the header has it) is a
     * numeric feature, in header order. Lines that do not parse as numbers are unreadable.
     */
    public static PredictionInput csv(SparkSession spark, String path, String labelCol) {
        List<String> header = Arrays.asList(spark.read().option("header", "true").csv(path).columns());
        boolean labeled = header.contains(labelCol);
        StructType schema = new StructType();
        for (String column : header) {
            schema = schema.add(column, DataTypes.DoubleType, true);
        }
        String corrupt = "_unreadable_line";
        Dataset<Row> data = spark.read().option("header", "true").option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", corrupt).schema(schema.add(corrupt, DataTypes.StringType, true))
                .csv(path).withColumn(ID, monotonically_increasing_id())
                // Spark reads the corrupt-record column only when the query needs it as well as others.
                .cache();
        Column missing = col(corrupt).isNotNull();
        for (String column : header) {
            missing = missing.or(col(column).isNull());
        }
        String[] featureColumns = header.stream().filter(c -> !c.equals(labelCol)).toArray(String[]::new);
        Dataset<Row> readable = new VectorAssembler().setInputCols(featureColumns).setOutputCol(FEATURES)
                .transform(data.filter(missing.unary_$bang()));
        List<Column> selected = new ArrayList<>(List.of(col(ID), col(FEATURES)));
        if (labeled) {
            selected.add(col(labelCol).as(LABEL));
        }
        return withUnreadable(readable.select(selected.toArray(Column[]::new)), data.filter(missing), labeled);
    }

    /**
     * Every image file below {@code dir} (any Hadoop file system), decoded, resized to
     * {@code resize} and centre-cropped to {@code crop} as evaluation does ({@link EvaluationImage});
     * the id is the file's URI. When every file lies in a folder named after one of {@code classes},
     * that class is its label. Files that cannot be decoded are unreadable, listed with the reason.
     */
    public static PredictionInput images(SparkSession spark, Storage storage, URI dir, int resize, int crop,
            Optional<ClassList> classes) throws IOException {
        List<String> files = new ArrayList<>();
        List<Double> labels = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> listing = storage.fileSystem(dir).listFiles(new Path(dir), true);
        while (listing.hasNext()) {
            Path file = listing.next().getPath();
            if (ImageNetLayout.isImageFile(java.nio.file.Path.of(file.getName()))) {
                files.add(file.toUri().toString());
                String folder = file.getParent().getName();
                labels.add(classes.isPresent() && classes.get().contains(folder)
                        ? (double) classes.get().indexOf(folder) : Double.NaN);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(Storage.display(dir) + " holds no image files ("
                    + String.join(", ", ImageNetLayout.IMAGE_EXTENSIONS) + ")");
        }
        boolean labeled = labels.stream().noneMatch(label -> label.isNaN());
        StructType schema = new StructType().add(ID, DataTypes.StringType, false)
                .add(FEATURES, SQLDataTypes.VectorType(), true).add(LABEL, DataTypes.DoubleType, true)
                .add(PROBLEM, DataTypes.StringType, true);
        List<Tuple2<String, Double>> entries = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            entries.add(new Tuple2<>(files.get(i), labels.get(i)));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.max(1, Math.min(files.size(), sc.defaultParallelism() * 4));
        Dataset<Row> decoded = spark.createDataFrame(sc.parallelize(entries, slices)
                .map(entry -> decode(storage, entry._1(), entry._2(), resize, crop)), schema).cache();
        List<Column> selected = new ArrayList<>(List.of(col(ID), col(FEATURES)));
        if (labeled) {
            selected.add(col(LABEL));
        }
        Dataset<Row> unreadable = decoded.filter(col(PROBLEM).isNotNull());
        long count = unreadable.count();
        List<String> listed = count == 0 ? List.of() : unreadable.limit(LISTED).collectAsList().stream()
                .map(row -> row.getString(0) + ": " + row.getString(3)).toList();
        return new PredictionInput(decoded.filter(col(PROBLEM).isNull()).select(selected.toArray(Column[]::new)),
                labeled, count, listed);
    }

    private static Row decode(Storage storage, String file, double label, int resize, int crop) {
        try (InputStream in = storage.open(URI.create(file))) {
            float[] features = EvaluationImage.features(in.readAllBytes(), resize, crop, file);
            double[] values = new double[features.length];
            for (int i = 0; i < features.length; i++) {
                values[i] = features[i];
            }
            return RowFactory.create(file, Vectors.dense(values), label, null);
        } catch (UnreadableImageException | IOException | RuntimeException e) {
            return RowFactory.create(file, null, label, e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private static PredictionInput withUnreadable(Dataset<Row> readable, Dataset<Row> unreadable, boolean labeled) {
        long count = unreadable.count();
        List<String> ids = count == 0 ? List.of() : unreadable.select(ID).limit(LISTED).collectAsList().stream()
                .map(row -> String.valueOf(row.get(0))).toList();
        return new PredictionInput(readable, labeled, count, ids);
    }

    @SafeVarargs
    private static List<String> concat(List<String> first, Optional<String>... more) {
        List<String> all = new ArrayList<>(first);
        Arrays.stream(more).forEach(option -> option.ifPresent(all::add));
        return all;
    }
}
