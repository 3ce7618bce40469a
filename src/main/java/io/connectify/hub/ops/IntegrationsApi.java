package io.connectify.hub.ops;

import java.util.List;

import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.ProviderModes;
import org.springframework.stereotype.Component;

/**
 * GET /api/v1/admin/integrations: per provider its mode, circuit state and failure rate, the rate limiter's free
 * permits and rejections, and the last error (problem type and the hub's own detail; no secret, no raw answer).
 */
@Component("integrationsApi")
public class IntegrationsApi {

    private final ProviderModes modes;
    private final ProviderResilience resilience;

    public IntegrationsApi(ProviderModes modes, ProviderResilience resilience) {
        this.modes = modes;
        this.resilience = resilience;
    }

    public Integrations list() {
        return new Integrations(modes.all().stream().map(mode -> {
            var breaker = resilience.circuitBreaker(mode.provider());
            var limiter = resilience.rateLimiter(mode.provider());
            return new Integration(mode.provider(), mode.label(), breaker.getState().name(),
                    breaker.getMetrics().getFailureRate(), limiter.getMetrics().getAvailablePermissions(),
                    resilience.rejections(mode.provider()), resilience.lastError(mode.provider()).orElse(null));
        }).toList());
    }

    public record Integrations(List<Integration> integrations) {
    }

    public record Integration(String provider, String mode, String circuit, float failureRate, int availablePermits,
                              long rejections, ProviderResilience.LastError lastError) {
    }
}
