package io.sparktrain.trainer.scoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.spark.SparkContexts;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/** Features read from each column type the estimator and the scorer accept. */
class FeatureColumnTest {
    @TempDir
    Path dir;

    @Test
    void readsSparksImageStructChannelsFirstInRgbOrderScaledToOne() throws IOException {
        // 2 wide, 3 high; every pixel's red, green and blue differ, so any mix-up of order shows.
        BufferedImage image = new BufferedImage(2, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 2; x++) {
                image.setRGB(x, y, (10 * (y * 2 + x) + 1) << 16 | (10 * (y * 2 + x) + 2) << 8 | 10 * (y * 2 + x) + 3);
            }
        }
        ImageIO.write(image, "png", dir.resolve("pixel-order.png").toFile());
        try (JavaSparkContext sc = SparkContexts.create(ConfigLoader.parse("spark { master = \"local[1]\", conf { "
                + "\"spark.ui.enabled\" = false } }", "test", List.of()).spark())) {
            Dataset<Row> images = SparkSession.builder().getOrCreate().read().format("image").load(dir.toString());
            FeatureColumn column = FeatureColumn.of(images.schema(), "image", new int[] {3, 3, 2});
            float[] features = new float[column.size()];
            column.read(images.first(), features, 0);

            float[] expected = new float[18];
            for (int c = 0; c < 3; c++) {
                for (int pixel = 0; pixel < 6; pixel++) {
                    expected[c * 6 + pixel] = (10 * pixel + c + 1) / 255f;
                }
            }
            assertArrayEquals(expected, features);
            IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class,
                    () -> FeatureColumn.of(images.schema(), "image", new int[] {3, 2, 3}).read(images.first(),
                            new float[18], 0));
            assertTrue(wrongShape.getMessage().contains("pixel-order.png"), wrongShape.getMessage());
        }
    }

    @Test
    void readsVectorsAndArraysAsTheyAreAndRefusesOtherTypes() {
        StructType schema = new StructType().add("vector", SQLDataTypes.VectorType())
                .add("array", DataTypes.createArrayType(DataTypes.IntegerType)).add("text", DataTypes.StringType);
        Row row = new GenericRowWithSchema(new Object[] {
            Vectors.sparse(3, new int[] {1}, new double[] {0.5}),
            JavaConverters.asScalaBuffer(List.of(4, 5, 6)), "x"}, schema);
        float[] out = new float[6];
        FeatureColumn.of(schema, "vector", new int[] {1, 1, 3}).read(row, out, 0);
        FeatureColumn.of(schema, "array", new int[] {1, 1, 3}).read(row, out, 3);
        assertArrayEquals(new float[] {0, 0.5f, 0, 4, 5, 6}, out);

        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> FeatureColumn.of(schema, "text", new int[] {1, 1, 3}));
        assertTrue(text.getMessage().contains("\"text\" is of type string"), text.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> FeatureColumn.of(schema, "vector", new int[] {1, 2, 2}).read(row, new float[4], 0));
        assertTrue(size.getMessage().contains("holds 3 values"), size.getMessage());
    }
}
