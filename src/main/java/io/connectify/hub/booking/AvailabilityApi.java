package io.connectify.hub.booking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.resilience.CalculationException;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.web.QueryParams;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** GET /api/v1/availability and GET /api/v1/prices. */
@Component("availabilityApi")
public class AvailabilityApi {

    private static final Instant FIRST_INSTANT = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LAST_INSTANT = Instant.parse("9999-12-31T23:59:59Z");

    private final AvailabilityService availability;
    private final PriceTable prices;
    private final AvailabilityProperties properties;
    private final Clock clock;

    public AvailabilityApi(AvailabilityService availability, PriceTable prices, AvailabilityProperties properties,
                           @BookingClock Clock clock) {
        this.availability = availability;
        this.prices = prices;
        this.properties = properties;
        this.clock = clock;
    }

    public Availability availability(@Header("from") String fromParam, @Header("to") String toParam,
                                     @Header("duration") String durationParam) {
        OffsetDateTime from = Rfc3339.parse("from", fromParam);
        OffsetDateTime to = Rfc3339.parse("to", toParam);
        int minutes = QueryParams.requiredInt("duration", durationParam, 1, 1440);
        if (!to.isAfter(from)) {
            throw new CalculationException("'to' must be after 'from'");
        }
        // the practice's days, on its wall clock: a month across the autumn clock change is no longer than others
        if (Rfc3339.wallClockSpan(from, to, properties.timeZone()).compareTo(properties.maxRange()) > 0) {
            throw new CalculationException("The range from..to may span at most " + properties.maxRange().toDays()
                    + " days");
        }
        withinGoogleYears(from.toInstant(), to.toInstant());
        Price price = prices.priceFor(minutes);
        Instant now = clock.instant();
        var slots = availability.freeSlots(from.toInstant(), to.toInstant(), Duration.ofMinutes(minutes), now)
                .stream()
                .map(s -> new Availability.Slot(Rfc3339.at(s.start(), properties.timeZone()),
                        Rfc3339.at(s.end(), properties.timeZone()), price.amount(), price.currency()))
                .toList();
        return new Availability(slots);
    }

    /**
     * Google reads the years 0001 to 9999 only (RFC 3339): the FreeBusy range, the buffer added on either side, must
     * stay within them. A range past them was asked of Google and answered 400 "rejected the event: invalid".
     */
    private void withinGoogleYears(Instant from, Instant to) {
        Duration buffer = properties.buffer();
        if (from.minus(buffer).isBefore(FIRST_INSTANT)) {
            throw new ValidationException("'from' must be at least the buffer (" + buffer.toMinutes()
                    + " minutes) after 0001-01-01T00:00:00Z");
        }
        if (to.plus(buffer).isAfter(LAST_INSTANT)) {
            throw new ValidationException("'to' must be at least the buffer (" + buffer.toMinutes()
                    + " minutes) before 9999-12-31T23:59:59Z");
        }
    }

    public Price price(@Header("duration") String durationParam) {
        return prices.priceFor(QueryParams.requiredInt("duration", durationParam, 1, 1440));
    }
}
