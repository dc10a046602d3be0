package io.sparktrain.datasets.imagenet;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * The classes of an export in label-index order: index i is the i-th name. Always sorted, so a
 * selection of classes gives the same indices on every machine and in every run, whatever order the
 * file system lists folders in or a subset file names them in. Written beside every export
 * ({@value #FILE_NAME}) and into its manifest, so that a run can keep it and check a later export
 * against it instead of silently reading one class's index as another's.
 */
public record ClassList(List<String> names) implements Serializable {
    public static final String FILE_NAME = "classes.txt";

    public ClassList {
        names = List.copyOf(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a class list needs at least one class");
        }
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (name.isBlank() || !name.equals(name.strip()) || name.chars().anyMatch(Character::isWhitespace)
                    || name.contains("/") || name.startsWith("#")) {
                throw new IllegalArgumentException("class " + i + " '" + name
                        + "' is not a class name: expected a folder name without spaces, '/' or a leading '#'");
            }
            if (i > 0 && names.get(i - 1).compareTo(name) >= 0) {
                throw new IllegalArgumentException("classes must be sorted and distinct, but class " + (i - 1)
                        + " is '" + names.get(i - 1) + "' and class " + i + " is '" + name + "'");
            }
        }
    }

    /** The sorted, distinct classes of {@code names}. */
    public static ClassList of(Collection<String> names) {
        return new ClassList(new ArrayList<>(new TreeSet<>(names)));
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return names.get(index);
    }

    /** The label index of {@code name}, or -1 if it is not one of these classes. */
    public int indexOf(String name) {
        int index = Collections.binarySearch(names, name);
        return index >= 0 ? index : -1;
    }

    public boolean contains(String name) {
        return indexOf(name) >= 0;
    }

    /** One name per line in index order: the content of {@value #FILE_NAME}. */
    public String toText() {
        return String.join("\n", names) + "\n";
    }

    /** Reads what {@link #toText} wrote; {@code source} names it in errors. */
    public static ClassList parse(String text, String source) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        try {
            return new ClassList(names);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fails unless these classes are {@code saved}, index for index. A run keeps the class list of
     * the data it started on; a later export of other classes, or of the same classes after one was
     * added or removed, would otherwise feed the model labels whose indices mean other classes.
     */
    public void requireSame(ClassList saved, String savedSource) {
        if (equals(saved)) {
            return;
        }
        List<String> problems = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>(saved.names);
        missing.removeAll(names);
        TreeSet<String> added = new TreeSet<>(names);
        added.removeAll(saved.names);
        if (!missing.isEmpty()) {
            problems.add("missing now: " + missing);
        }
        if (!added.isEmpty()) {
            problems.add("new now: " + added);
        }
        for (int i = 0; i < Math.min(size(), saved.size()); i++) {
            if (!name(i).equals(saved.name(i))) {
                problems.add("index " + i + " was " + saved.name(i) + " and is now " + name(i)
                        + (Math.min(size(), saved.size()) - i > 1 ? ", and later indices shift too" : ""));
                break;
            }
        }
        throw new ClassOrderMismatchException("the " + size() + " classes of this data differ from the "
                + saved.size() + " saved in " + savedSource + ": " + String.join("; ", problems)
                + ". Label indices would name other classes than the model learned; select the saved classes "
                + "or start a new run.");
    }

    /** A class list that differs from the one a run saved. */
    public static final class ClassOrderMismatchException extends IllegalStateException {
        ClassOrderMismatchException(String message) {
            super(message);
        }
    }
}
