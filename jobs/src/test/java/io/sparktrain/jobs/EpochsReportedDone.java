package io.sparktrain.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Watches the log while a job trains: every "epoch N/M done" line must appear only once epoch N's
 * checkpoint is under the run root, so that a person who stops the job after reading it loses nothing.
 */
final class EpochsReportedDone extends AbstractAppender implements AutoCloseable {
    private static final Pattern DONE = Pattern.compile("epoch (\\d+)/\\d+ done in");

    private final Path runRoot;
    private final List<String> reported = new ArrayList<>();

    private EpochsReportedDone(Path runRoot) {
        super("epochs-reported-done", null, null, true, Property.EMPTY_ARRAY);
        this.runRoot = runRoot;
    }

    /** Starts watching every logger; {@link #close} stops. */
    static EpochsReportedDone watch(Path runRoot) {
        EpochsReportedDone watcher = new EpochsReportedDone(runRoot);
        watcher.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(watcher, null, null);
        context.updateLoggers();
        return watcher;
    }

    @Override
    public void append(LogEvent event) {
        Matcher done = DONE.matcher(event.getMessage().getFormattedMessage());
        if (done.find()) {
            int epoch = Integer.parseInt(done.group(1));
            reported.add("epoch " + epoch + (checkpointed(epoch) ? " checkpointed" : " NOT checkpointed"));
        }
    }

    /** One entry per "done" line, in order, each saying whether that epoch's checkpoint existed then. */
    List<String> reported() {
        return List.copyOf(reported);
    }

    private boolean checkpointed(int epoch) {
        String name = String.format("epoch-%04d.zip", epoch);
        try (Stream<Path> files = Files.walk(runRoot)) {
            return files.anyMatch(file -> file.getFileName().toString().equals(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        context.updateLoggers();
        stop();
    }
}
