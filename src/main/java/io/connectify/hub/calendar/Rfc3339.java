package io.connectify.hub.calendar;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import com.google.api.client.util.DateTime;
import io.connectify.hub.resilience.TimeParseException;

/** RFC 3339 times as the API and Google speak them: always with seconds and an explicit offset. */
public final class Rfc3339 {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");

    private Rfc3339() {
    }

    public static OffsetDateTime parse(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new TimeParseException("'" + name + "' is required (RFC 3339 with offset, e.g. 2026-12-01T09:00:00+01:00)");
        }
        OffsetDateTime time;
        try {
            // an unencoded '+' in a query string arrives as a space: read it as the offset sign it was
            time = OffsetDateTime.parse(value.trim().replace(' ', '+'), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        } catch (DateTimeParseException e) {
            throw new TimeParseException("'" + name + "' is not an RFC 3339 time with offset "
                    + "(e.g. 2026-12-01T09:00:00+01:00)");
        }
        // Java reads years beyond RFC 3339's four digits (+10000-01-01T...), which Google cannot parse and the
        // slot calculation cannot step through
        if (time.getYear() < 1 || time.getYear() > 9999) {
            throw new TimeParseException("'" + name + "' is outside the years 0001 to 9999");
        }
        return time;
    }

    public static String format(OffsetDateTime time) {
        return FORMAT.format(time);
    }

    public static OffsetDateTime at(Instant instant, ZoneId zone) {
        return instant.atZone(zone).toOffsetDateTime();
    }

    public static DateTime toGoogle(OffsetDateTime time) {
        return DateTime.parseRfc3339(format(time));
    }

    public static DateTime toGoogle(Instant instant) {
        return new DateTime(instant.toEpochMilli());
    }

    public static OffsetDateTime fromGoogle(DateTime time) {
        return OffsetDateTime.parse(time.toStringRfc3339(), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
