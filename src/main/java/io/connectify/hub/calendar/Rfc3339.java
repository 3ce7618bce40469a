package io.connectify.hub.calendar;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

import com.google.api.client.util.DateTime;
import io.connectify.hub.resilience.TimeParseException;
import io.connectify.hub.resilience.ValidationException;

/** RFC 3339 times as the API and Google speak them: always with seconds and an explicit offset. */
public final class Rfc3339 {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");
    /**
     * RFC 3339's date-time: seconds required, a fraction optional, the offset Z or +hh:mm. Java's ISO_OFFSET_DATE_TIME
     * takes 09:00+01:00 (no seconds) and +01:00:30 (offset seconds), which RFC 3339 does not; 't' and 'z' in lower
     * case it allows, as RFC 3339 does.
     */
    private static final DateTimeFormatter PARSE = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .appendLiteral('T')
            .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2).appendLiteral(':')
            .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .appendOffset("+HH:MM", "Z")
            .toFormatter(Locale.ROOT)
            .withResolverStyle(ResolverStyle.STRICT)
            .withChronology(IsoChronology.INSTANCE);

    private Rfc3339() {
    }

    public static OffsetDateTime parse(String name, String value) {
        if (value == null || value.isBlank()) {
            // missing is validation, as every other missing parameter or field; time-parse is for a value given
            // that does not parse. Before, time-parse for both
            throw new ValidationException("'" + name + "' is required (RFC 3339 with offset, e.g. 2026-12-01T09:00:00+01:00)");
        }
        OffsetDateTime time;
        try {
            // an unencoded '+' in a query string arrives as a space: read it as the offset sign it was
            time = OffsetDateTime.parse(value.trim().replace(' ', '+'), PARSE);
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

    /**
     * How long from..to is on the wall clocks of {@code zone} (the hub's, the practice's): the widest range a query
     * may ask for is so many of its days, whatever the clocks do between. A month across the autumn change
     * (2027-10-01T00:00+02:00..2027-11-01T00:00+01:00) is 31 days; as instants it is 31 days and an hour, and was
     * refused while the spring's month, an hour short, passed.
     */
    public static Duration wallClockSpan(OffsetDateTime from, OffsetDateTime to, ZoneId zone) {
        return Duration.between(from.atZoneSameInstant(zone).toLocalDateTime(),
                to.atZoneSameInstant(zone).toLocalDateTime());
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
