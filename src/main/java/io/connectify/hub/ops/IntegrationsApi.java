package io.connectify.hub.ops;

import java.util.List;

import io.connectify.hub.ops.cluster.ClusterMember;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.ProviderModes;
import org.springframework.stereotype.Component;

/**
 * GET /api/v1/admin/integrations: per provider its mode, circuit state and failure rate, the rate limiter's free
 * permits and rejections, and the last error (problem type and the hub's own detail; no secret, no raw answer).
 * All of it is this instance's memory (its breakers, limiters and the errors it met), so the answer names the instance
 * by its cluster member id: behind a load balancer, another instance's view can be empty where this one's is not.
 */
@Component("integrationsApi")
public class IntegrationsApi {

    private final ProviderModes modes;
    private final ProviderResilience resilience;
    private final ClusterMember member;

    public IntegrationsApi(ProviderModes modes, ProviderResilience resilience, ClusterMember member) {
        this.modes = modes;
        this.resilience = resilience;
        this.member = member;
    }

    public Integrations list() {
        return new Integrations(member.id(), modes.all().stream().map(mode -> {
            var breaker = resilience.circuitBreaker(mode.provider());
            var limiter = resilience.rateLimiter(mode.provider());
            return new Integration(mode.provider(), mode.label(), breaker.getState().name(),
                    breaker.getMetrics().getFailureRate(), limiter.getMetrics().getAvailablePermissions(),
                    resilience.rejections(mode.provider()), resilience.lastError(mode.provider()).orElse(null));
        }).toList());
    }

    /** @param member the instance this view describes: its id in the cluster lease and {@code /actuator/health} */
    public record Integrations(String member, List<Integration> integrations) {
    }

    public record Integration(String provider, String mode, String circuit, float failureRate, int availablePermits,
                              long rejections, ProviderResilience.LastError lastError) {
    }
}
