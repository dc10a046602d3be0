package io.sparktrain.datasets.imagenet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The class IDs of the ILSVRC2012 development kit: 1 to 1000, the numbers that the official
 * {@code ILSVRC2012_validation_ground_truth.txt} labels validation images with. Their WNIDs come
 * from the resource {@code ilsvrc2012-id-wnid.txt}, which names its source.
 */
public final class Ilsvrc2012 {
    public static final int CLASSES = 1000;
    private static final String RESOURCE = "ilsvrc2012-id-wnid.txt";
    private static volatile List<String> wnids;

    private Ilsvrc2012() {}

    /** The WNID of ILSVRC2012_ID {@code id}, in [1, 1000]. */
    public static String wnid(int id) {
        if (id < 1 || id > CLASSES) {
            throw new IllegalArgumentException("ILSVRC2012_ID " + id + " is not in [1, " + CLASSES + "]");
        }
        return wnids().get(id - 1);
    }

    /** All 1000 WNIDs in ILSVRC2012_ID order. */
    public static List<String> wnids() {
        List<String> loaded = wnids;
        if (loaded == null) {
            loaded = load();
            wnids = loaded;
        }
        return loaded;
    }

    private static List<String> load() {
        try (InputStream in = Ilsvrc2012.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the datasets jar");
            }
            List<String> result = new ArrayList<>(CLASSES);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.strip().split(" ");
                if (parts.length != 2 || Integer.parseInt(parts[0]) != result.size() + 1
                        || !ClassSubsets.isWnid(parts[1])) {
                    throw new IllegalStateException(RESOURCE + ": expected '" + (result.size() + 1)
                            + " <WNID>', found '" + line + "'");
                }
                result.add(parts[1]);
            }
            if (result.size() != CLASSES) {
                throw new IllegalStateException(RESOURCE + " holds " + result.size() + " IDs, expected " + CLASSES);
            }
            return List.copyOf(result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
