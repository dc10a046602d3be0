package io.sparktrain.datasets.imagenet;

import java.io.Serializable;

/**
 * One image to export: where it is, its class and what identifies its content for reuse.
 *
 * @param uri where tasks read it from ({@code file:} on a file system every executor mounts)
 * @param file its path below the split's directory, for reports and the export's digest
 * @param label its class index in the split's {@link ClassList}
 * @param bytes its size
 * @param modifiedMillis its modification time
 */
public record ImageEntry(String uri, String file, int label, long bytes, long modifiedMillis)
        implements Serializable {}
