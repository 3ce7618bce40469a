package io.connectify.hub.calendar;

import java.nio.file.Path;
import java.util.Optional;

import io.connectify.hub.sandbox.GoogleCalendarSimulator;

/**
 * Where the Google client goes: the real API, or the sandbox simulator (then {@code simulator} is present).
 * {@code awaitKey}, when not null, blocks until the key file holds its key: the sandbox makes its key after the
 * start, so the client reads it at its first request instead of when Camel configures it.
 */
public record GoogleCalendarConnection(boolean live, Path keyFile, Runnable awaitKey, String rootUrl,
                                       GoogleCalendarSimulator sim) {

    /** The sandbox simulator's connection: its key file's path at once, the key itself once made. */
    public static GoogleCalendarConnection sandbox(GoogleCalendarSimulator simulator) {
        return new GoogleCalendarConnection(false, simulator.serviceAccountKeyPath(), simulator::serviceAccountKeyFile,
                simulator.rootUrl(), simulator);
    }

    public Optional<GoogleCalendarSimulator> simulator() {
        return Optional.ofNullable(sim);
    }
}
