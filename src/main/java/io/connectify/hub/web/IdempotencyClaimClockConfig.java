package io.connectify.hub.web;

import java.time.Clock;

import io.connectify.hub.ops.DatabaseClock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The clock of the Idempotency-Key claims: the shared database's, since an instance takes over another's claim by
 * comparing the claim's renewed_at with its now. With each instance's own clock, one running ahead by the claim
 * timeout less a renewal took over live claims. Not a default candidate: only {@link IdempotentRequests} asks for it
 * by name, and the hub's {@code Clock} stays the one every other bean gets.
 */
@Configuration(proxyBeanMethods = false)
public class IdempotencyClaimClockConfig {

    public static final String NAME = "idempotencyClaimClock";

    @Bean(name = NAME, defaultCandidate = false)
    Clock idempotencyClaimClock(JdbcClient jdbc) {
        return new DatabaseClock(jdbc);
    }
}
