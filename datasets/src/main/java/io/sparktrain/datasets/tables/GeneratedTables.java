package io.sparktrain.datasets.tables;

import java.util.List;
import java.util.Random;

/** Seeded synthetic tables of the course examples. */
public final class GeneratedTables {
    public static final String QUADRATIC = "quadratic";
    public static final String SEPARABLE = "separable";
    public static final List<String> NAMES = List.of(QUADRATIC, SEPARABLE);

    /** Half the width of the empty band around the separating line of {@link #separable}. */
    public static final double SEPARABLE_MARGIN = 0.1;

    private GeneratedTables() {}

    public static Table generate(String name, int rows, long seed) {
        return switch (name) {
            case QUADRATIC -> quadratic(rows, seed);
            case SEPARABLE -> separable(rows, seed);
            default -> throw new IllegalArgumentException("no generated table '" + name + "'; known: " + NAMES);
        };
    }

    /** x uniform in [-15, 15], y = x^2 + 3 plus standard normal noise. */
    public static Table quadratic(int rows, long seed) {
        Random random = new Random(seed);
        double[][] x = new double[rows][1];
        double[][] y = new double[rows][1];
        for (int i = 0; i < rows; i++) {
            x[i][0] = -15 + 30 * random.nextDouble();
            y[i][0] = x[i][0] * x[i][0] + 3 + random.nextGaussian();
        }
        return new Table(QUADRATIC + "(" + rows + ", seed " + seed + ")", x, y);
    }

    /**
     * Points in [-1, 1]^2 labelled 1 above the line x2 = 0.5 x1 + 0.1 and 0 below it, none closer to
     * the line than {@link #SEPARABLE_MARGIN}: linearly separable with a known margin.
     */
    public static Table separable(int rows, long seed) {
        Random random = new Random(seed);
        double norm = Math.sqrt(0.5 * 0.5 + 1);
        double[][] x = new double[rows][];
        double[][] y = new double[rows][1];
        for (int i = 0; i < rows; ) {
            double x1 = 2 * random.nextDouble() - 1;
            double x2 = 2 * random.nextDouble() - 1;
            double distance = (x2 - 0.5 * x1 - 0.1) / norm;
            if (Math.abs(distance) >= SEPARABLE_MARGIN) {
                x[i] = new double[] {x1, x2};
                y[i][0] = distance > 0 ? 1 : 0;
                i++;
            }
        }
        return new Table(SEPARABLE + "(" + rows + ", seed " + seed + ")", x, y);
    }
}
