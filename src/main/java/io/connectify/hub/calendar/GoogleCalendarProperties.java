package io.connectify.hub.calendar;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Google Calendar settings; {@code keyPath} unset means the sandbox simulator. {@code maxListRange}: the widest
 * from..to one event list may read (every page of it, each a call under the Google rate limit bookings share).
 */
@ConfigurationProperties("connectify.gcal")
public record GoogleCalendarProperties(String keyPath, String calendarId, String rootUrl, String applicationName,
                                       Duration connectTimeout, Duration readTimeout, Duration maxListRange) {

    public boolean live() {
        return keyPath != null && !keyPath.isBlank();
    }
}
