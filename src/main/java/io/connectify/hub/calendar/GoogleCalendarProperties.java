package io.connectify.hub.calendar;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Google Calendar settings; {@code keyPath} unset (or blank) means the sandbox simulator. {@code maxListRange}: the
 * widest from..to one event list may read (every page of it, each a call under the Google rate limit bookings share).
 * Live, the root URL must be https (or http to a loopback address, a fake), since the access token goes with every
 * request.
 */
@ConfigurationProperties("connectify.gcal")
public record GoogleCalendarProperties(String keyPath, String calendarId, String rootUrl, String applicationName,
                                       Duration connectTimeout, Duration readTimeout, Duration maxListRange) {

    public GoogleCalendarProperties {
        keyPath = PropertyChecks.blankToNull(keyPath);
        if (keyPath != null) {
            PropertyChecks.secureOrLoopback("connectify.gcal.root-url", rootUrl);
        }
    }

    public boolean live() {
        return keyPath != null;
    }
}
