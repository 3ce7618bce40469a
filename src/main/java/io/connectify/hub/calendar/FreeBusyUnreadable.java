package io.connectify.hub.calendar;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.ProviderResilience;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * FreeBusy answers that could not read the hub's calendar: Google answers 200 with an error for the calendar inside
 * it (notFound: the calendar is no longer shared with the service account; backendError: passing), so neither the
 * circuit breaker nor the provider's health sees them. Each is counted in
 * {@code connectify.gcal.freebusy.unreadable{reason}} and kept as Google's last error in GET /admin/integrations.
 */
@Component
public class FreeBusyUnreadable {

    static final String METRIC = "connectify.gcal.freebusy.unreadable";
    /** The calendar absent from Google's answer altogether. */
    static final String MISSING = "missing";
    // Google's documented reasons and the one seen in practice; any other is "other", so the tag's values stay few
    private static final List<String> REASONS = List.of("notFound", "backendError", "internalError", MISSING);

    private final MeterRegistry registry;
    private final ProviderResilience resilience;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public FreeBusyUnreadable(MeterRegistry registry, ProviderResilience resilience) {
        this.registry = registry;
        this.resilience = resilience;
        // every series from the start at zero: an alert on increase() misses a series born with its first event
        REASONS.forEach(this::counter);
        counter("other");
    }

    /** Counts one unreadable answer and keeps {@code failure}, what its caller was told, as Google's last error. */
    public void record(String reason, ProviderException failure) {
        counter(REASONS.contains(reason) ? reason : "other").increment();
        resilience.recordFailure(GoogleCalendarConfig.PROVIDER, failure);
    }

    private Counter counter(String reason) {
        return counters.computeIfAbsent(reason, r -> Counter.builder(METRIC).tag("reason", r).register(registry));
    }
}
