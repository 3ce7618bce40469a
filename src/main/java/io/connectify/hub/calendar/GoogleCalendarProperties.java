package io.connectify.hub.calendar;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Google Calendar settings; {@code keyPath} unset means the sandbox simulator. */
@ConfigurationProperties("connectify.gcal")
public record GoogleCalendarProperties(String keyPath, String calendarId, String rootUrl, String applicationName,
                                       Duration connectTimeout, Duration readTimeout) {

    public boolean live() {
        return keyPath != null && !keyPath.isBlank();
    }
}
