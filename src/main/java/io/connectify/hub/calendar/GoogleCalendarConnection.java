package io.connectify.hub.calendar;

import java.nio.file.Path;
import java.util.Optional;

import io.connectify.hub.sandbox.GoogleCalendarSimulator;

/** Where the Google client goes: the real API, or the sandbox simulator (then {@code simulator} is present). */
public record GoogleCalendarConnection(boolean live, Path keyFile, String rootUrl, GoogleCalendarSimulator sim) {

    public Optional<GoogleCalendarSimulator> simulator() {
        return Optional.ofNullable(sim);
    }
}
