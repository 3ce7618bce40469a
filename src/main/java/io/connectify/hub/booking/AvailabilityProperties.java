package io.connectify.hub.booking;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * When appointments can be booked. Working hours are wall-clock windows per weekday in {@code timeZone}
 * ("09:00-12:00"); a weekday without an entry is closed.
 */
@ConfigurationProperties("connectify.availability")
public record AvailabilityProperties(
        ZoneId timeZone,
        Map<DayOfWeek, List<String>> workingHours,
        Duration slotStep,
        Duration buffer,
        Duration minLeadTime,
        Duration maxRange) {

    public AvailabilityProperties {
        PropertyChecks.notNegative("connectify.availability.buffer", buffer, "free time between appointments");
        PropertyChecks.notNegative("connectify.availability.min-lead-time", minLeadTime,
                "earliest bookable start from now: a negative one offered slots already begun");
    }
}
