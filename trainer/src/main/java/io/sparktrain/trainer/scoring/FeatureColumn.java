package io.sparktrain.trainer.scoring;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a features column into the flat float rows a network takes: a Spark ML Vector or an array
 * of numbers, used as they are, or Spark's image struct ({@code spark.read.format("image")}),
 * scaled to [0, 1] and laid out channels first in RGB order, as the project's image shards are.
 * The type is checked against the schema once, so a wrong column fails before any task runs.
 */
public final class FeatureColumn implements Serializable {
    private static final long serialVersionUID = 1L;

    private enum Kind { VECTOR, NUMBERS, IMAGE }

    private final String name;
    private final Kind kind;
    private final int channels;
    private final int height;
    private final int width;

    private FeatureColumn(String name, Kind kind, int[] shape) {
        this.name = name;
        this.kind = kind;
        this.channels = shape[0];
        this.height = shape[1];
        this.width = shape[2];
    }

    /**
     * The column {@code name} of {@code schema}, holding examples of {@code shape} (channels,
     * height, width). Throws IllegalArgumentException naming the column when it is missing or of
     * a type that cannot hold features.
     */
    public static FeatureColumn of(StructType schema, String name, int[] shape) {
        if (shape.length != 3 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(shape)
                    + " is not channels, height, width, each at least 1");
        }
        return new FeatureColumn(name, kindIn(schema, name), shape);
    }

    /** Whether the column holds Spark's image struct, whose size the input shape must give. */
    public static boolean isImage(StructType schema, String name) {
        return kindIn(schema, name) == Kind.IMAGE;
    }

    /** The number of values in the first row of a Vector or array column. */
    public static int sizeOfFirstRow(Dataset<?> data, String name) {
        Row first = data.select(name).first();
        Object value = first.get(0);
        return value instanceof Vector vector ? vector.size() : first.getList(0).size();
    }

    private static Kind kindIn(StructType schema, String name) {
        if (!List.of(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("features column \"" + name + "\" is not in the data; it has "
                    + List.of(schema.fieldNames()));
        }
        return kindOf(name, schema.apply(name).dataType());
    }

    private static Kind kindOf(String name, DataType type) {
        if (type.equals(SQLDataTypes.VectorType())) {
            return Kind.VECTOR;
        }
        if (type instanceof ArrayType array && array.elementType() instanceof NumericType) {
            return Kind.NUMBERS;
        }
        if (type instanceof StructType struct && isImageStruct(struct)) {
            return Kind.IMAGE;
        }
        throw new IllegalArgumentException("features column \"" + name + "\" is of type " + type.simpleString()
                + "; expected a Vector, an array of numbers, or Spark's image struct");
    }

    /** Spark's image struct, whatever the nullability its source gave the fields. */
    private static boolean isImageStruct(StructType struct) {
        StructType image = ImageSchema.columnSchema();
        if (!Arrays.equals(struct.fieldNames(), image.fieldNames())) {
            return false;
        }
        for (int i = 0; i < image.fields().length; i++) {
            if (!struct.fields()[i].dataType().equals(image.fields()[i].dataType())) {
                return false;
            }
        }
        return true;
    }

    public String name() {
        return name;
    }

    public int size() {
        return channels * height * width;
    }

    /** Copies row {@code row}'s features into {@code out} at {@code offset}. */
    public void read(Row row, float[] out, int offset) {
        int index = row.fieldIndex(name);
        if (row.isNullAt(index)) {
            throw new IllegalArgumentException("features column \"" + name + "\" is null in a row");
        }
        switch (kind) {
            case VECTOR -> {
                Vector vector = (Vector) row.get(index);
                checkSize(vector.size());
                for (int i = 0; i < vector.size(); i++) {
                    out[offset + i] = (float) vector.apply(i);
                }
            }
            case NUMBERS -> {
                List<Object> values = row.getList(index);
                checkSize(values.size());
                for (int i = 0; i < values.size(); i++) {
                    out[offset + i] = ((Number) values.get(i)).floatValue();
                }
            }
            case IMAGE -> readImage(row.getStruct(index), out, offset);
        }
    }

    private void checkSize(int size) {
        if (size != size()) {
            throw new IllegalArgumentException("features column \"" + name + "\" holds " + size
                    + " values in a row; the input shape " + channels + "x" + height + "x" + width + " needs "
                    + size());
        }
    }

    /** Spark stores pixels row by row, each pixel's channels in BGR(A) order, as unsigned bytes. */
    private void readImage(Row image, float[] out, int offset) {
        String origin = ImageSchema.getOrigin(image);
        int rows = ImageSchema.getHeight(image);
        int cols = ImageSchema.getWidth(image);
        int stored = ImageSchema.getNChannels(image);
        if (rows != height || cols != width || stored != channels) {
            throw new IllegalArgumentException("image " + origin + " in column \"" + name + "\" is " + cols + "x"
                    + rows + " with " + stored + " channel(s); the input shape needs " + width + "x" + height
                    + " with " + channels);
        }
        byte[] data = ImageSchema.getData(image);
        int plane = height * width;
        for (int pixel = 0; pixel < plane; pixel++) {
            for (int c = 0; c < channels; c++) {
                // Channels first and RGB: BGR's last stored channel is red, the first plane.
                int source = channels >= 3 && c < 3 ? 2 - c : c;
                out[offset + c * plane + pixel] = (data[pixel * channels + source] & 0xFF) / 255f;
            }
        }
    }
}
