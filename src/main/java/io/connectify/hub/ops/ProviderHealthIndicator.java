package io.connectify.hub.ops;

import java.util.Map;

import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.ProviderMode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * One provider's health: its mode and circuit state, and any fixed details of its configuration; DOWN while the
 * circuit is open (calls refused), UP while it is half-open: a few trial calls test the provider, which may be back.
 * Under traffic through an outage the circuit cycles open, half-open, open, and so does this status: an operator
 * reads the circuit detail, and the alert ProviderCircuitOpen watches "not closed, and open within the last 5
 * minutes". No provider is in the readiness group, so none of this takes an instance out of its load balancer.
 */
public class ProviderHealthIndicator implements HealthIndicator {

    private final ProviderMode mode;
    private final ProviderResilience resilience;
    private final Map<String, Object> details;

    public ProviderHealthIndicator(ProviderMode mode, ProviderResilience resilience, Map<String, Object> details) {
        this.mode = mode;
        this.resilience = resilience;
        this.details = details;
    }

    @Override
    public Health health() {
        CircuitBreaker breaker = resilience.circuitBreaker(mode.provider());
        CircuitBreaker.State state = breaker.getState();
        Health.Builder health = state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN
                ? Health.down() : Health.up();
        return health.withDetail("mode", mode.label())
                .withDetail("circuit", state.name())
                .withDetail("failureRate", breaker.getMetrics().getFailureRate())
                .withDetails(details)
                .build();
    }
}
