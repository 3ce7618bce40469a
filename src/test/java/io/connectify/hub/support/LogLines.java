package io.connectify.hub.support;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * The lines a logger (or every logger) logs while it is open, with their level and whether they carry a stack trace:
 * {@code try (LogLines lines = LogLines.all()) { ... }}. Lines of java.util.logging (google-auth's) arrive too, through
 * the bridge Spring Boot installs, under their JUL logger's name.
 */
public final class LogLines implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogLines(Logger logger) {
        this.logger = logger;
        appender.start();
        logger.addAppender(appender);
    }

    /** Every logger's lines. */
    public static LogLines all() {
        return new LogLines((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
    }

    public static LogLines of(Class<?> logger) {
        return new LogLines((Logger) LoggerFactory.getLogger(logger));
    }

    /**
     * What {@code work} logged on this thread, added to {@code logged} (a timer route fired by
     * {@link TimerRoutes#fire} runs on the thread that fires it): other threads' lines are left out.
     */
    public static <T> T onThisThread(List<ILoggingEvent> logged, Supplier<T> work) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        root.addAppender(lines);
        String thread = Thread.currentThread().getName();
        try {
            return work.get();
        } finally {
            root.detachAppender(lines);
            List.copyOf(lines.list).stream().filter(e -> Objects.equals(e.getThreadName(), thread))
                    .forEach(logged::add);
        }
    }

    /** The lines so far. */
    public List<ILoggingEvent> lines() {
        return List.copyOf(appender.list);
    }

    /** The ERROR lines so far. */
    public List<ILoggingEvent> errors() {
        return lines().stream().filter(line -> line.getLevel() == Level.ERROR).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
