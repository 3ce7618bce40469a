package io.connectify.hub.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import io.connectify.hub.resilience.InvalidStateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The stored answers of REST POSTs sent with an Idempotency-Key (table api_idempotency), per caller. A key is
 * claimed before its request runs, so a second request with it, even one arriving meanwhile, never runs the work a
 * second time; its answer is kept {@code connectify.http.idempotency-key-lifetime} (24 hours, as Stripe keeps its
 * own). A claim whose request never finished (its instance died) is taken over after
 * {@code connectify.http.idempotency-claim-timeout}.
 */
@Component("idempotentRequests")
public class IdempotentRequests {

    private static final Logger log = LoggerFactory.getLogger(IdempotentRequests.class);
    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration lifetime;
    /** connectify.http.idempotency-claim-timeout: longer than any request runs (provider timeouts and retries too). */
    private final Duration stale;

    public IdempotentRequests(JdbcClient jdbc, Clock clock, HttpProperties http) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.lifetime = http.idempotencyKeyLifetime();
        this.stale = http.idempotencyClaimTimeout();
    }

    /**
     * Claims the key for a request: its claim (to hand to {@link #answered} or {@link #release}), or the request that
     * holds the key (answered or still running).
     */
    public Claim claim(String caller, String key, String target, String fingerprint) {
        for (int attempt = 0; attempt < 3; attempt++) {
            String claim = UUID.randomUUID().toString();
            Instant now = clock.instant();
            try {
                jdbc.sql("INSERT INTO api_idempotency (caller, idempotency_key, target, fingerprint, claim, created_at) "
                                + "VALUES (:caller, :key, :target, :fingerprint, :claim, :now)")
                        .param("caller", caller).param("key", key).param("target", target)
                        .param("fingerprint", fingerprint).param("claim", claim)
                        .param("now", now.atOffset(ZoneOffset.UTC)).update();
                return new Claim(claim, null);
            } catch (DuplicateKeyException held) {
                // an answer past its lifetime, or a claim its request never finished, is taken over
                int takenOver = jdbc.sql("UPDATE api_idempotency SET target = :target, fingerprint = :fingerprint, "
                                + "claim = :claim, status = NULL, content_type = NULL, location = NULL, body = NULL, "
                                + "created_at = :now WHERE caller = :caller AND idempotency_key = :key "
                                + "AND (created_at < :expired OR (status IS NULL AND created_at < :stale))")
                        .param("caller", caller).param("key", key).param("target", target)
                        .param("fingerprint", fingerprint).param("claim", claim)
                        .param("now", now.atOffset(ZoneOffset.UTC))
                        .param("expired", now.minus(lifetime).atOffset(ZoneOffset.UTC))
                        .param("stale", now.minus(stale).atOffset(ZoneOffset.UTC)).update();
                if (takenOver == 1) {
                    return new Claim(claim, null);
                }
                var stored = jdbc.sql("SELECT * FROM api_idempotency WHERE caller = :caller AND idempotency_key = :key")
                        .param("caller", caller).param("key", key)
                        .query((rs, i) -> new Stored(rs.getString("target"), rs.getString("fingerprint"),
                                (Integer) rs.getObject("status"), rs.getString("content_type"),
                                rs.getString("location"), rs.getString("body")))
                        .optional();
                if (stored.isPresent()) {
                    return new Claim(null, stored.get());
                }
                // released between the insert and the read (its request failed): claim it again
            }
        }
        throw new InvalidStateException("A request with this Idempotency-Key is being made; ask again",
                Duration.ofSeconds(1));
    }

    /** The claimed request's answer, for its repeats; nothing when its claim was taken over meanwhile. */
    public void answered(String caller, String key, String claim, int status, String contentType, String location,
                         String body) {
        jdbc.sql("UPDATE api_idempotency SET status = :status, content_type = :type, location = :location, "
                        + "body = :body WHERE caller = :caller AND idempotency_key = :key AND claim = :claim")
                .param("caller", caller).param("key", key).param("claim", claim).param("status", status)
                .param("type", contentType).param("location", location).param("body", body).update();
    }

    /** Gives the key up: its request's answer is not final (5xx, 429, "ask again"), so a repeat runs it again. */
    public void release(String caller, String key, String claim) {
        jdbc.sql("DELETE FROM api_idempotency WHERE caller = :caller AND idempotency_key = :key AND claim = :claim "
                        + "AND status IS NULL")
                .param("caller", caller).param("key", key).param("claim", claim).update();
    }

    /** Deletes the answers past their lifetime (route ops-retention-sweep). */
    public int purgeExpired() {
        int purged = jdbc.sql("DELETE FROM api_idempotency WHERE created_at < :expired")
                .param("expired", clock.instant().minus(lifetime).atOffset(ZoneOffset.UTC)).update();
        if (purged > 0) {
            log.info("{} Idempotency-Key answer(s) older than {} deleted", purged, lifetime);
        }
        return purged;
    }

    /** {@code claim}: this request holds the key; else {@code held}: the request that does. */
    public record Claim(String claim, Stored held) {
    }

    /** {@code status} null: its request is still running. */
    public record Stored(String target, String fingerprint, Integer status, String contentType, String location,
                         String body) {
    }
}
