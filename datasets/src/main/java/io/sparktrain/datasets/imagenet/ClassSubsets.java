package io.sparktrain.datasets.imagenet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Class subsets of ImageNet by WNID: the published benchmark subsets shipped with this module, and
 * subset files a user writes (one WNID or folder name per line, {@code #} starts a comment). The
 * order a list is written in does not matter: {@link ClassList} sorts it.
 */
public final class ClassSubsets {
    public static final String IMAGENETTE = "imagenette";
    public static final String IMAGEWOOF = "imagewoof";
    public static final String IMAGENET_100 = "imagenet-100";
    /** The subsets {@link #named} knows; each is a resource {@code <name>.txt} beside this class. */
    public static final List<String> NAMES = List.of(IMAGENETTE, IMAGEWOOF, IMAGENET_100);

    private static final Pattern WNID = Pattern.compile("n\\d{8}");

    private ClassSubsets() {}

    /** Whether {@code name} has the form of a WordNet ID, such as {@code n01440764}. */
    public static boolean isWnid(String name) {
        return WNID.matcher(name).matches();
    }

    /** One of the shipped subsets, by a name in {@link #NAMES}. */
    public static ClassList named(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown class subset '" + name + "'; known: " + NAMES
                    + ", or give a file with one WNID per line");
        }
        try (InputStream in = ClassSubsets.class.getResourceAsStream(name + ".txt")) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + ".txt is missing from the datasets jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "resource " + name + ".txt");
        } catch (IOException e) {
            throw new IllegalStateException("shipped subset " + name + " is unreadable", e);
        }
    }

    /** A subset file: one class name per line, blank lines and {@code #} comments ignored. */
    public static ClassList read(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    static ClassList parse(String text, String source) throws IOException {
        List<String> names = new ArrayList<>();
        Map<String, Integer> lineOf = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = stripComment(lines[i]).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.chars().anyMatch(Character::isWhitespace)) {
                throw new IOException(source + ":" + (i + 1) + ": expected one class name (a WNID such as "
                        + "n01440764) per line, found '" + line + "'");
            }
            Integer first = lineOf.putIfAbsent(line, i + 1);
            if (first != null) {
                throw new IOException(source + ":" + (i + 1) + ": " + line + " is listed again (first on line "
                        + first + ")");
            }
            names.add(line);
        }
        if (names.isEmpty()) {
            throw new IOException(source + ": lists no classes");
        }
        try {
            return ClassList.of(names);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return hash >= 0 ? line.substring(0, hash) : line;
    }
}
