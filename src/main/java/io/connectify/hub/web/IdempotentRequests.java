package io.connectify.hub.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.connectify.hub.resilience.DatabaseBusy;
import io.connectify.hub.resilience.InvalidStateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The stored answers of REST POSTs sent with an Idempotency-Key (table api_idempotency), per caller. A key is
 * claimed before its request runs, so a second request with it, even one arriving meanwhile, never runs the work a
 * second time; its answer is kept {@code connectify.http.idempotency-key-lifetime} (24 hours, as Stripe keeps its
 * own). While its request runs, the instance that runs it renews its claim every
 * {@code connectify.http.idempotency-claim-renewal} (column renewed_at, route api-renew-idempotency-claims, on every
 * instance); a claim not renewed for {@code connectify.http.idempotency-claim-timeout} (its instance died, or could
 * not reach the database that long) is taken over by a repeat, which runs the request again. created_at stays the
 * time of the claim, from which its answer's lifetime counts. A claim is renewed for
 * {@code connectify.http.idempotency-claim-max-age} at most, no shorter than any request runs with the providers'
 * timeouts and retries (LongestRequest: a shorter one stops the start): the claim of a request whose thread hangs is
 * taken over a claim timeout later, where it was renewed for the key's whole lifetime and every repeat got 409.
 * <p>
 * Its times (created_at, renewed_at, and the now they are compared with) are the database's, read before each
 * statement: an instance whose own clock ran ahead by the claim timeout less a renewal took over live claims.
 */
@Component("idempotentRequests")
public class IdempotentRequests {

    private static final Logger log = LoggerFactory.getLogger(IdempotentRequests.class);
    /** Claims per renewal UPDATE: an IN list far below any database's limit of parameters. */
    private static final int RENEWAL_BATCH = 500;
    private static final String RENEWAL_ROUTE = "api-renew-idempotency-claims";
    /** Column api_idempotency.target: VARCHAR(2100). */
    static final int TARGET_LENGTH = 2100;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration lifetime;
    /** connectify.http.idempotency-claim-timeout: how long a claim holds without a renewal. */
    private final Duration stale;
    /** connectify.http.idempotency-claim-max-age: how long a running request's claim is renewed at most. */
    private final Duration maxAge;
    /**
     * The claims of the requests this instance is running, with the time of each claim, renewed by
     * {@link #renewRunning}: each from its claim until {@link #ended}, which IdempotencyKeyFilter calls on every way
     * out of the request, or until it is older than the max age.
     */
    private final Map<String, Instant> running = new ConcurrentHashMap<>();

    /**
     * @param clock the database's ({@link IdempotencyClaimClockConfig}): the claims' times are compared across
     *              instances, so they are read from the one clock all instances share
     */
    public IdempotentRequests(JdbcClient jdbc, @Qualifier(IdempotencyClaimClockConfig.NAME) Clock clock,
                              HttpProperties http) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.lifetime = http.idempotencyKeyLifetime();
        this.stale = http.idempotencyClaimTimeout();
        this.maxAge = http.idempotencyClaimMaxAge();
    }

    /**
     * Claims the key for a request: its claim (to hand to {@link #answered} or {@link #release}, then to
     * {@link #ended}; renewed until then), or the request that holds the key (answered or still running).
     */
    public Claim claim(String caller, String key, String request, String fingerprint) {
        String target = stored(request);
        for (int attempt = 0; attempt < 3; attempt++) {
            String claim = UUID.randomUUID().toString();
            Instant now = clock.instant();
            try {
                jdbc.sql("INSERT INTO api_idempotency (caller, idempotency_key, target, fingerprint, claim, created_at, "
                                + "renewed_at) VALUES (:caller, :key, :target, :fingerprint, :claim, :now, :now)")
                        .param("caller", caller).param("key", key).param("target", target)
                        .param("fingerprint", fingerprint).param("claim", claim)
                        .param("now", now.atOffset(ZoneOffset.UTC)).update();
                return renewing(claim, now);
            } catch (DuplicateKeyException held) {
                // an answer past its lifetime, or a claim not renewed for the claim timeout (its instance died), is
                // taken over: neither its claim nor its renewal that recent. An instance still without V15's renewals
                // (a rolling upgrade, a rollback) writes created_at alone, on its claims and on its take-overs (a
                // renewed_at left older than created_at): the later of the two counts, where COALESCE(renewed_at,
                // created_at) took such a take-over running for a minute for a claim dead since the old renewal.
                // An error kept with no body and no content type is no answer to give again: the bare status of an
                // error Spring MVC sent to the container (404 for a path no route serves, 405), which the earlier
                // version kept (IdempotencyKeyFilter no longer does) and replayed empty for the key's lifetime, the
                // corrected request refused as another: taken over, whatever its request, and run. The routes and
                // filters answer every error of theirs with a problem+json, so no answer of theirs is taken so
                int takenOver = jdbc.sql("UPDATE api_idempotency SET target = :target, fingerprint = :fingerprint, "
                                + "claim = :claim, status = NULL, content_type = NULL, location = NULL, body = NULL, "
                                + "created_at = :now, renewed_at = :now WHERE caller = :caller "
                                + "AND idempotency_key = :key AND (created_at < :expired "
                                + "OR (status IS NULL AND created_at < :stale AND (renewed_at IS NULL OR renewed_at < :stale)) "
                                + "OR (status >= 400 AND content_type IS NULL AND (body IS NULL OR body = '')))")
                        .param("caller", caller).param("key", key).param("target", target)
                        .param("fingerprint", fingerprint).param("claim", claim)
                        .param("now", now.atOffset(ZoneOffset.UTC))
                        .param("expired", now.minus(lifetime).atOffset(ZoneOffset.UTC))
                        .param("stale", now.minus(stale).atOffset(ZoneOffset.UTC)).update();
                if (takenOver == 1) {
                    return renewing(claim, now);
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

    /**
     * The request as its column holds it: cut to its length where longer (a long query or path id, which the caller
     * may send: the column's "value too long" was a 500). Only for people reading the row; the fingerprint, over the
     * whole request, is what tells two requests with a key apart.
     */
    static String stored(String request) {
        if (request.length() <= TARGET_LENGTH) {
            return request;
        }
        int end = TARGET_LENGTH - 1;
        if (Character.isHighSurrogate(request.charAt(end - 1))) {
            end--; // not half a character
        }
        return request.substring(0, end) + "\u2026";
    }

    private Claim renewing(String claim, Instant now) {
        running.put(claim, now);
        return new Claim(claim, null);
    }

    /**
     * The claimed request's answer, for its repeats: false, nothing kept, when its claim was taken over meanwhile (not
     * renewed for the claim timeout: a repeat has run the request again, and the key keeps that one's answer).
     */
    public boolean answered(String caller, String key, String claim, int status, String contentType, String location,
                            String body) {
        return jdbc.sql("UPDATE api_idempotency SET status = :status, content_type = :type, location = :location, "
                        + "body = :body WHERE caller = :caller AND idempotency_key = :key AND claim = :claim")
                .param("caller", caller).param("key", key).param("claim", claim).param("status", status)
                .param("type", contentType).param("location", location).param("body", body).update() == 1;
    }

    /** Gives the key up: its request's answer is not final (5xx, 429, "ask again"), so a repeat runs it again. */
    public void release(String caller, String key, String claim) {
        jdbc.sql("DELETE FROM api_idempotency WHERE caller = :caller AND idempotency_key = :key AND claim = :claim "
                        + "AND status IS NULL")
                .param("caller", caller).param("key", key).param("claim", claim).update();
    }

    /** The claim's request has ended, however (answered, released, failed, its caller gone): no longer renewed. */
    public void ended(String claim) {
        if (claim != null) {
            running.remove(claim);
        }
    }

    /** How many claims of requests running on this instance are being renewed. */
    public int runningClaims() {
        return running.size();
    }

    /**
     * Renews the claims of the requests this instance is running (route api-renew-idempotency-claims, every
     * connectify.http.idempotency-claim-renewal): one UPDATE per 500 claims (the request threads are fewer), in the
     * claims' order. A batch that fails is one WARN line and no more: the round goes on with the next batch, the
     * requests run on, the next renewal tries again, and only a claim left unrenewed for the claim timeout can be
     * taken over. A claim older than the max age is no longer renewed (one WARN line). Answers how many claims it
     * renewed.
     */
    public int renewRunning() {
        if (running.isEmpty()) {
            // nothing to renew: not even the database's time is read, so an idle instance asks nothing every round
            return 0;
        }
        Instant now;
        try {
            now = clock.instant(); // the database's
        } catch (DataAccessException unreachable) {
            log.warn("{}: Idempotency-Key claims of {} running request(s) not renewed: the database's time could not "
                    + "be read ({}); a claim not renewed for {} (connectify.http.idempotency-claim-timeout) can be "
                    + "taken over by a repeat, which runs its request a second time", RENEWAL_ROUTE, running.size(),
                    unreachable.getMostSpecificCause().getClass().getSimpleName(), stale);
            return 0;
        }
        Instant tooOld = now.minus(maxAge);
        running.entrySet().removeIf(claim -> {
            if (claim.getValue().isAfter(tooOld)) {
                return false;
            }
            // its thread hangs (or a provider answers slower than any timeout allows): renewed for ever, its key
            // would answer 409 to every repeat for the key's whole lifetime
            log.warn("{}: the Idempotency-Key claim of a request running since {}, longer than {} "
                    + "(connectify.http.idempotency-claim-max-age), is no longer renewed; a repeat with its key takes "
                    + "it over after {} (connectify.http.idempotency-claim-timeout)", RENEWAL_ROUTE, claim.getValue(),
                    maxAge, stale);
            return true;
        });
        // sorted: a round's batches are the same claims from one round to the next
        List<String> claims = running.keySet().stream().sorted().toList();
        int renewed = 0;
        for (int from = 0; from < claims.size(); from += RENEWAL_BATCH) {
            List<String> batch = claims.subList(from, Math.min(claims.size(), from + RENEWAL_BATCH));
            try {
                renewed += jdbc.sql("UPDATE api_idempotency SET renewed_at = :now WHERE claim IN (:claims) "
                                + "AND status IS NULL")
                        .param("now", now.atOffset(ZoneOffset.UTC)).param("claims", batch).update();
            } catch (DataAccessException failed) {
                // the database unreachable, or a claim's row held: the later batches are still renewed, the next
                // renewal tries this one again; no stack trace for a state that passes (nor the SQL and its values)
                log.warn("{}: Idempotency-Key claims of {} running request(s) not renewed ({}{}); a claim not renewed "
                                + "for {} (connectify.http.idempotency-claim-timeout) can be taken over by a repeat, "
                                + "which runs its request a second time", RENEWAL_ROUTE, batch.size(),
                        failed.getClass().getSimpleName(), DatabaseBusy.is(failed) ? ": a row held by another "
                                + "transaction past connectify.database.lock-timeout"
                                : ", " + failed.getMostSpecificCause().getClass().getSimpleName(), stale);
            }
        }
        return renewed;
    }

    /**
     * Before when, by the database's clock, a key's claim was made whose answer is past its lifetime: taken over by a
     * repeat, and deleted by the retention sweep (route ops-retention-sweep, RetentionSweep: in batches, counted,
     * while its instance leads).
     */
    public Instant expiredBefore() {
        return clock.instant().minus(lifetime);
    }

    /** {@code claim}: this request holds the key; else {@code held}: the request that does. */
    public record Claim(String claim, Stored held) {
    }

    /** {@code status} null: its request is still running. */
    public record Stored(String target, String fingerprint, Integer status, String contentType, String location,
                         String body) {
    }
}
