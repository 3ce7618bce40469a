package io.connectify.hub.booking;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The sweep booking-retry-event-put-backs ({@link EventPutBackSweep}): how often it puts back the events that failed
 * cancels left "Cancelled: …" and free, for how long it tries one before a person is asked to, and how many a sweep
 * tries.
 */
@ConfigurationProperties("connectify.booking.event-put-back")
public record EventPutBackProperties(Duration interval, Duration retryFor, int batch) {

    public EventPutBackProperties {
        // the period of a singleton route's timer: at 0 Camel fires once
        PropertyChecks.positive("connectify.booking.event-put-back.interval", interval, PropertyChecks.TIMER);
        PropertyChecks.positive("connectify.booking.event-put-back.retry-for", retryFor,
                "how long a failed put-back of a calendar event is tried again before a person is asked to");
        PropertyChecks.atLeast("connectify.booking.event-put-back.batch", batch, 1,
                "how many failed put-backs a sweep tries");
    }
}
