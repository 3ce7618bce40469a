package io.connectify.hub.resilience;

import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.retry.Retry;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.ops.CorrelationId;
import io.connectify.hub.ops.IntegrationAudit;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Building blocks for provider routes. A provider route is
 * {@code circuitBreaker() -> call(provider, endpoint) -> onFallback(fallback(provider, operation))}: the call takes a
 * rate-limiter permit, sends to the provider endpoint and retries retryable failures with back-off; the breaker
 * sees the outcome after retries; the fallback turns an open circuit into 503 {@code provider-unavailable} and
 * re-throws every other failure as the typed error it is (an open breaker with no fallback would silently skip
 * the call).
 */
@Component
public class ProviderCalls {

    private static final Logger log = LoggerFactory.getLogger(ProviderCalls.class);

    private final ProviderResilience resilience;
    private final IntegrationAudit audit;
    private volatile ProducerTemplate template;

    public ProviderCalls(ProviderResilience resilience, IntegrationAudit audit) {
        this.resilience = resilience;
        this.audit = audit;
    }

    /**
     * The exchange property an adapter route sets to name its operation in the audit when several operations share
     * one call route (Payrexx's); read and removed by the call.
     */
    public static final String OPERATION = "providerOperation";

    /** @param operation the operation the audit records: the call's route, unless {@link #OPERATION} names one */
    public Processor call(String provider, String operation, String endpointUri,
                          Function<Throwable, HubException> translator) {
        return call(provider, operation, endpointUri, translator, null);
    }

    /**
     * The exchange property by which a caller tells a call with a lookup that an earlier call of the same work lost an
     * answer ({@link LostAnswerMark}: its first attempt then looks before it sends), and learns whether this one did.
     */
    public static final String LOST_ANSWER = "providerLostAnswer";

    /**
     * A call whose retry after a lost answer first asks the provider, through {@code lookup}, whether the lost
     * attempt was taken, and sends again only when the provider says it was not (null: every retry sends again).
     */
    public Processor call(String provider, String operation, String endpointUri,
                          Function<Throwable, HubException> translator, LostAnswerLookup lookup) {
        Retry retry = resilience.retry(provider);
        RateLimiter rateLimiter = resilience.rateLimiter(provider);
        var endpoint = new AtomicReference<Endpoint>();
        return exchange -> {
            LostAnswerMark given = lookup == null ? null : exchange.getProperty(LOST_ANSWER, LostAnswerMark.class);
            // no caller's mark (an API's direct send): this call's own, for its retries, and for a lookup that sends
            // again only so many times (SendGrid's), counted on it
            LostAnswerMark mark = lookup == null || given != null ? given : new LostAnswerMark(null);
            if (given == null && mark != null) {
                exchange.setProperty(LOST_ANSWER, mark);
            }
            Instant earlier = mark == null ? null : mark.since();
            // the system clock, not the hub's: it is compared with the provider's record of when it took the request.
            // An earlier call of this work lost an answer (a redelivery, a replay): looked for since that call's start
            Instant firstAttemptStarted = earlier != null ? earlier : Instant.now();
            // whether an attempt went out: a refusal of the rate limiter after one does not say nothing was done
            var sent = new java.util.concurrent.atomic.AtomicBoolean();
            Callable<Object> attempt = () -> {
                // once one attempt's answer is lost, every later one looks first: a refusal in between does not undo it
                if (lookup != null && mark.since() != null) {
                    Object found = lookUp(provider, lookup, exchange, mark);
                    if (found != null) {
                        return found;
                    }
                }
                try {
                    return send(provider, rateLimiter, exchange, endpointUri, endpoint, translator, sent);
                } catch (HubException failure) {
                    if (lookup != null && lookup.answerLost(failure)) {
                        // the lookups look for what this attempt sent, among what Twilio created since the first one began
                        mark.lost(firstAttemptStarted, Instant.now(), lookup.sent(exchange));
                    }
                    throw failure;
                }
            };
            long started = System.nanoTime();
            // the adapter's operation, not the route that started the exchange (a booking's, a queue consumer's)
            String audited = exchange.getProperty(OPERATION, operation, String.class);
            exchange.removeProperty(OPERATION);
            try {
                exchange.getMessage().setBody(retry.executeCallable(attempt));
                audit.record(provider, audited, "ok", (System.nanoTime() - started) / 1_000_000,
                        BookingMdc.current(), CorrelationId.of(exchange));
            } catch (HubException failure) {
                audit.record(provider, audited, failure.type(), (System.nanoTime() - started) / 1_000_000,
                        BookingMdc.current(), CorrelationId.of(exchange));
                throw failure;
            }
        };
    }

    private Object send(String provider, RateLimiter rateLimiter, Exchange exchange, String endpointUri,
                        AtomicReference<Endpoint> endpoint, Function<Throwable, HubException> translator,
                        java.util.concurrent.atomic.AtomicBoolean sent) {
        if (!rateLimiter.acquirePermission()) {
            resilience.recordRejection(provider);
            throw new ProviderException(provider, ProviderException.Kind.THROTTLED,
                    "The hub's rate limit for " + provider + " is reached; try again later",
                    rateLimiter.getRateLimiterConfig().getLimitRefreshPeriod(), null, !sent.get());
        }
        sent.set(true);
        Exchange attemptExchange = exchange.copy();
        template(exchange).send(endpoint(exchange, endpointUri, endpoint), attemptExchange);
        if (attemptExchange.getException() != null) {
            throw resilience.withRateLimitedWait(provider, translator.apply(attemptExchange.getException()));
        }
        // the provider's answer headers (SendGrid's X-Message-Id, HTTP status) travel back with the body
        exchange.getMessage().setHeaders(attemptExchange.getMessage().getHeaders());
        Object body = attemptExchange.getMessage().getBody();
        // an HTTP answer is a stream: read it while the attempt's exchange is alive
        return body instanceof java.io.InputStream || body instanceof org.apache.camel.StreamCache
                ? attemptExchange.getMessage().getBody(String.class) : body;
    }

    /**
     * The lookup after a lost answer: inside the breaker's call, not retried itself. It answers what the provider made
     * of the lost attempt, or null when the provider says it has nothing of it: only then is the request sent again.
     * When it fails (the provider as slow to list as it was to answer, say), the attempt fails, retryable, and sends
     * nothing (when it cannot tell, {@link ProviderException.Kind#UNDECIDED}, too, but as no failure of the provider): sent blindly, each retry of a provider that takes requests but loses the answers would repeat the
     * request once more (ten SMS of one notice in one call, again at each redelivery). It takes no permit of the
     * provider's rate limiter: the limiter keeps the hub's sends within the provider's quota (Twilio's is on messages
     * sent, not on reading its Messages list), and a lookup that took the permit the retry needs would turn the retry
     * into a refusal. Lookups are bounded anyway: one per attempt of a send whose answer was lost.
     */
    private Object lookUp(String provider, LostAnswerLookup lookup, Exchange exchange, LostAnswerMark lost) {
        Object found;
        try {
            found = lookup.find(exchange, lost);
        } catch (ResendsAfterLostAnswerUsedUp usedUp) {
            throw usedUp; // a provider with no lookup that has sent again as often as it may: final, not retried
        } catch (Exception e) {
            HubException typed = Causes.find(e, HubException.class);
            if (typed instanceof ProviderException undecided && undecided.kind() == ProviderException.Kind.UNDECIDED) {
                // the provider answered, and what it lists cannot tell: passed on as it is, not a provider failure
                throw undecided;
            }
            String why = typed != null ? typed.getMessage() : e.getClass().getSimpleName();
            log.warn("{}: the answer to an earlier attempt was lost, and looking for what it did failed ({}): not "
                    + "sending again until the provider says it has not got it", provider, why);
            throw new ProviderException(provider, ProviderException.Kind.UNAVAILABLE, "The answer to an earlier "
                    + "request to " + provider + " was lost, and looking it up failed: " + why, null, null);
        }
        return found;
    }

    /** @param operation the operation the audit records of a call the open circuit refused, as {@link #call} */
    public Processor fallback(String provider, String operation) {
        return exchange -> {
            Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            // the breaker marked the failure handled before calling us: un-mark it, so the caller's error
            // handling (problem+json, doTry, a transacted rollback) sees the typed error
            exchange.removeProperty(Exchange.EXCEPTION_HANDLED);
            exchange.removeProperty(Exchange.EXCEPTION_CAUGHT);
            HubException failure = typedFailure(provider, cause);
            if (failure instanceof ProviderException pe) {
                resilience.recordFailure(provider, pe);
                // the open circuit's own refusal (not a call's failure of that kind, which its call audited)
                if (pe.kind() == ProviderException.Kind.CIRCUIT_OPEN
                        && Causes.find(cause, HubException.class) == null) {
                    // the call never ran, its audit with it: the refusal is audited here, taking no time. Before,
                    // the calls an open circuit refused left no row
                    String audited = exchange.getProperty(OPERATION, operation, String.class);
                    exchange.removeProperty(OPERATION);
                    audit.record(provider, audited, pe.type(), 0, BookingMdc.current(), CorrelationId.of(exchange));
                }
            }
            exchange.setException(failure);
        };
    }

    private HubException typedFailure(String provider, Throwable cause) {
        HubException typed = Causes.find(cause, HubException.class);
        if (typed != null) {
            return typed;
        }
        if (cause == null || Causes.find(cause, CallNotPermittedException.class) != null) {
            return new ProviderException(provider, ProviderException.Kind.CIRCUIT_OPEN,
                    provider + " is temporarily unavailable; try again later",
                    resilience.retryAfterWhenOpen(provider), null);
        }
        log.error("{} call failed unexpectedly", provider, cause);
        return new ProviderException(provider, ProviderException.Kind.UNAVAILABLE, provider + " request failed",
                null, cause);
    }

    /**
     * Resolved once, under a lock: concurrent first calls would otherwise race Camel's lazy creation of the
     * component ("Cannot auto create component").
     */
    private static Endpoint endpoint(Exchange exchange, String uri, AtomicReference<Endpoint> cache) {
        Endpoint resolved = cache.get();
        if (resolved == null) {
            synchronized (cache) {
                resolved = cache.get();
                if (resolved == null) {
                    resolved = exchange.getContext().getEndpoint(uri);
                    cache.set(resolved);
                }
            }
        }
        return resolved;
    }

    private ProducerTemplate template(Exchange exchange) {
        ProducerTemplate t = template;
        if (t == null) {
            synchronized (this) {
                if (template == null) {
                    template = exchange.getContext().createProducerTemplate();
                }
                t = template;
            }
        }
        return t;
    }

}
