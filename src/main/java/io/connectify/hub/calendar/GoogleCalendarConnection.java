package io.connectify.hub.calendar;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

import io.connectify.hub.sandbox.GoogleCalendarSimulator;

/**
 * Where the Google client goes: the real API, or the sandbox simulator (then {@code simulator} is present). The
 * key file is asked for when the Google component is configured: the sandbox's is still being made at start.
 */
public record GoogleCalendarConnection(boolean live, Supplier<Path> keyFileSource, String rootUrl,
                                       GoogleCalendarSimulator sim) {

    public Path keyFile() {
        return keyFileSource.get();
    }

    public Optional<GoogleCalendarSimulator> simulator() {
        return Optional.ofNullable(sim);
    }
}
