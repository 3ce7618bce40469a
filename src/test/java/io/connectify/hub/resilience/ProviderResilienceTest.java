package io.connectify.hub.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ProviderResilienceTest {

    private static final ResilienceProperties.Policy DEFAULTS = new ResilienceProperties.Policy(
            new ResilienceProperties.Retry(4, Duration.ofMillis(1), 2.0, Duration.ofMillis(4), 0.5, Duration.ofSeconds(10),
                    Duration.ofSeconds(1)),
            new ResilienceProperties.CircuitBreaker(50f, 4, 4, Duration.ofSeconds(30), 1),
            new ResilienceProperties.RateLimiter(2, Duration.ofMinutes(1), Duration.ZERO));

    @Test
    void aProviderEntryOverridesSingleValuesAndKeepsTheDefaultsElsewhere() {
        var own = new ResilienceProperties.Policy(new ResilienceProperties.Retry(7, null, null, null, null, null, null), null, null);
        var properties = new ResilienceProperties(DEFAULTS, Map.of("stripe", own));

        var stripe = properties.policyFor("stripe");

        assertThat(stripe.retry().maxAttempts()).isEqualTo(7);
        assertThat(stripe.retry().initialInterval()).isEqualTo(Duration.ofMillis(1));
        assertThat(stripe.rateLimiter()).isEqualTo(DEFAULTS.rateLimiter());
        assertThat(properties.policyFor("google-calendar")).isEqualTo(DEFAULTS);
    }

    @Test
    void onlyRetryableFailuresAreRetriedAndOnlyUpToMaxAttempts() throws Exception {
        var resilience = new ProviderResilience(new ResilienceProperties(DEFAULTS, Map.of()), new SimpleMeterRegistry());
        var retry = resilience.retry("google-calendar");
        AtomicInteger unavailable = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();

        try {
            retry.executeCallable(() -> {
                unavailable.incrementAndGet();
                throw new ProviderException("google-calendar", ProviderException.Kind.UNAVAILABLE, "down");
            });
        } catch (ProviderException expected) {
            // retries exhausted
        }
        try {
            retry.executeCallable(() -> {
                rejected.incrementAndGet();
                throw new ProviderException("google-calendar", ProviderException.Kind.REJECTED, "401");
            });
        } catch (ProviderException expected) {
            // not retryable
        }

        assertThat(unavailable).hasValue(4);
        assertThat(rejected).hasValue(1);
    }

    @Test
    void aRetryAfterLongerThanMaxRetryAfterIsNotWaitedOut() throws Exception {
        var resilience = new ProviderResilience(new ResilienceProperties(DEFAULTS, Map.of()), new SimpleMeterRegistry());
        var retry = resilience.retry("sendgrid");
        AtomicInteger tries = new AtomicInteger();

        long started = System.nanoTime();
        try {
            retry.executeCallable(() -> {
                tries.incrementAndGet();
                throw new ProviderException("sendgrid", ProviderException.Kind.RATE_LIMITED, "429",
                        Duration.ofSeconds(120), null);
            });
        } catch (ProviderException expected) {
            assertThat(expected.retryAfter()).contains(Duration.ofSeconds(120)); // for the caller's 429
        }

        assertThat(tries).hasValue(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void theRateLimiterGivesOutLimitForPeriodPermitsPerPeriod() {
        var resilience = new ProviderResilience(new ResilienceProperties(DEFAULTS, Map.of()), new SimpleMeterRegistry());
        var limiter = resilience.rateLimiter("twilio");

        assertThat(limiter.acquirePermission()).isTrue();
        assertThat(limiter.acquirePermission()).isTrue();
        assertThat(limiter.acquirePermission()).isFalse();
    }

    @Test
    void theLookupAfterALostAnswerTakesNoPermitTheRetryNeeds() throws Exception {
        // two permits (DEFAULTS): the send whose answer is lost and its retry; the lookup between them takes none
        var calls = calls();
        AtomicInteger sends = new AtomicInteger();
        AtomicInteger lookups = new AtomicInteger();
        var lookup = lookup(lookups, () -> null); // not taken: sent again
        try (var camel = new org.apache.camel.impl.DefaultCamelContext()) {
            camel.addRoutes(new org.apache.camel.builder.RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:send").process(e -> {
                        if (sends.incrementAndGet() == 1) {
                            throw new IllegalStateException("answer lost");
                        }
                        e.getMessage().setBody("sent");
                    });
                }
            });
            camel.start();
            var exchange = new org.apache.camel.support.DefaultExchange(camel);

            calls.call("twilio", "send", "direct:send",
                    e -> new ProviderException("twilio", ProviderException.Kind.UNAVAILABLE, "lost"), lookup)
                    .process(exchange);

            assertThat(exchange.getMessage().getBody()).isEqualTo("sent");
            assertThat(sends).hasValue(2);
            assertThat(lookups).hasValue(1);
        }
    }

    /**
     * The hub's rate limiter refusing a call says whether the provider was sent nothing of it (a reschedule then moves
     * no event back): so when it refuses the first attempt, not when it refuses a retry after attempts went out.
     */
    @Test
    void aRefusalOfTheRateLimiterSaysWhetherAnyAttemptWasSent() throws Exception {
        // two permits a minute, no wait for one (DEFAULTS), four attempts: two are sent, the third is refused
        var calls = calls();
        AtomicInteger sends = new AtomicInteger();
        try (var camel = providerThatLosesEveryAnswer(sends)) {
            var call = calls.call("payrexx", "send", "direct:send",
                    e -> new ProviderException("payrexx", ProviderException.Kind.UNAVAILABLE, "lost"));

            ProviderException afterSends = refusal(call, camel);
            ProviderException beforeAny = refusal(call, camel);

            assertThat(sends).hasValue(2);
            assertThat(afterSends.kind()).isEqualTo(ProviderException.Kind.THROTTLED);
            assertThat(afterSends.nothingSent()).as("refused after two attempts went out").isFalse();
            assertThat(beforeAny.kind()).isEqualTo(ProviderException.Kind.THROTTLED);
            assertThat(beforeAny.nothingSent()).as("refused before its first attempt").isTrue();
        }
        assertThat(new ProviderException("payrexx", ProviderException.Kind.CIRCUIT_OPEN, "open").nothingSent())
                .isTrue();
        assertThat(new ProviderException("payrexx", ProviderException.Kind.UNAVAILABLE, "down").nothingSent())
                .isFalse();
    }

    private static ProviderException refusal(org.apache.camel.Processor call, org.apache.camel.CamelContext camel) {
        try {
            call.process(new org.apache.camel.support.DefaultExchange(camel));
        } catch (ProviderException refused) {
            return refused;
        } catch (Exception other) {
            throw new AssertionError(other);
        }
        throw new AssertionError("not refused");
    }

    @Test
    void aLookupThatFailsFailsTheAttemptAndNothingIsSentAgain() throws Exception {
        var calls = calls();
        AtomicInteger sends = new AtomicInteger();
        AtomicInteger lookups = new AtomicInteger();
        var lookup = lookup(lookups, () -> {
            throw new IllegalStateException("the provider's list did not answer either");
        });
        try (var camel = providerThatLosesEveryAnswer(sends)) {
            var exchange = new org.apache.camel.support.DefaultExchange(camel);

            var failure = org.assertj.core.api.Assertions.catchThrowableOfType(ProviderException.class, () ->
                    calls.call("twilio", "send", "direct:send",
                            e -> new ProviderException("twilio", ProviderException.Kind.UNAVAILABLE, "lost"), lookup)
                            .process(exchange));

            // four attempts (DEFAULTS): the one whose answer was lost, then three lookups that could not say
            assertThat(failure.retryable()).isTrue();
            assertThat(sends).hasValue(1);
            assertThat(lookups).hasValue(3);
        }
    }

    @Test
    void aCallWhoseWorkLostAnAnswerBeforeLooksBeforeItsFirstSendAndTellsItsCallerOfALostAnswer() throws Exception {
        var calls = calls();
        AtomicInteger sends = new AtomicInteger();
        AtomicInteger lookups = new AtomicInteger();
        java.time.Instant earlier = java.time.Instant.parse("2026-12-01T08:00:00Z");
        var since = new java.util.concurrent.atomic.AtomicReference<java.time.Instant>();
        var lookup = new LostAnswerLookup() {
            @Override
            public boolean answerLost(HubException failure) {
                return true;
            }

            @Override
            public Object find(org.apache.camel.Exchange exchange, LostAnswerMark lost) {
                lookups.incrementAndGet();
                since.set(lost.since());
                return "found";
            }
        };
        try (var camel = providerThatLosesEveryAnswer(sends)) {
            // a redelivery of work whose earlier call lost an answer: found, never sent
            var redelivered = new org.apache.camel.support.DefaultExchange(camel);
            redelivered.setProperty(ProviderCalls.LOST_ANSWER, new LostAnswerMark(earlier));
            calls.call("twilio", "send", "direct:send",
                    e -> new ProviderException("twilio", ProviderException.Kind.UNAVAILABLE, "lost"), lookup)
                    .process(redelivered);
            assertThat(redelivered.getMessage().getBody()).isEqualTo("found");
            assertThat(sends).hasValue(0);
            assertThat(lookups).hasValue(1);
            assertThat(since).hasValue(earlier); // looked for since the earlier call's first attempt

            // a first call whose answer is lost marks it for its caller, with when its first attempt began
            var first = new org.apache.camel.support.DefaultExchange(camel);
            var mark = new LostAnswerMark(null);
            first.setProperty(ProviderCalls.LOST_ANSWER, mark);
            java.time.Instant before = java.time.Instant.now();
            calls.call("twilio", "send", "direct:send",
                    e -> new ProviderException("twilio", ProviderException.Kind.UNAVAILABLE, "lost"), lookup)
                    .process(first);
            assertThat(first.getMessage().getBody()).isEqualTo("found");
            assertThat(sends).hasValue(1);
            assertThat(mark.since()).isNotNull().isBetween(before, java.time.Instant.now());
            // and with when the lost attempt ended: the later lookups read up to there, not up to whenever they run
            assertThat(mark.until()).isNotNull().isBetween(mark.since(), java.time.Instant.now());
            assertThat(mark.lostInThisCall()).isTrue();
            assertThat(redelivered.getProperty(ProviderCalls.LOST_ANSWER, LostAnswerMark.class).lostInThisCall())
                    .as("the redelivery found it: nothing lost in that call").isFalse();
        }
    }

    private static ProviderCalls calls() {
        var resilience = new ProviderResilience(new ResilienceProperties(DEFAULTS, Map.of()), new SimpleMeterRegistry());
        return new ProviderCalls(resilience, new io.connectify.hub.ops.IntegrationAudit(null,
                java.time.Clock.systemUTC(), new org.springframework.transaction.support.TransactionTemplate(),
                new SimpleMeterRegistry(), 1, 1, java.time.Duration.ofHours(1), Thread.NORM_PRIORITY));
    }

    private static LostAnswerLookup lookup(AtomicInteger lookups, java.util.function.Supplier<Object> found) {
        return new LostAnswerLookup() {
            @Override
            public boolean answerLost(HubException failure) {
                return true;
            }

            @Override
            public Object find(org.apache.camel.Exchange exchange, LostAnswerMark lost) {
                lookups.incrementAndGet();
                return found.get();
            }
        };
    }

    /** direct:send, a provider that takes every request and loses every answer. */
    private static org.apache.camel.impl.DefaultCamelContext providerThatLosesEveryAnswer(AtomicInteger sends)
            throws Exception {
        var camel = new org.apache.camel.impl.DefaultCamelContext();
        camel.addRoutes(new org.apache.camel.builder.RouteBuilder() {
            @Override
            public void configure() {
                from("direct:send").process(e -> {
                    sends.incrementAndGet();
                    throw new IllegalStateException("answer lost");
                });
            }
        });
        camel.start();
        return camel;
    }

    @Test
    void clientErrorsDoNotCountAsProviderFailures() {
        assertThat(ProviderResilience.isProviderFailure(new NotFoundException("x"))).isFalse();
        assertThat(ProviderResilience.isProviderFailure(new ValidationException("x"))).isFalse();
        assertThat(ProviderResilience.isProviderFailure(
                new ProviderException("p", ProviderException.Kind.UNAVAILABLE, "x"))).isTrue();
        assertThat(ProviderResilience.isProviderFailure(new RuntimeException(
                new ProviderException("p", ProviderException.Kind.THROTTLED, "x")))).isFalse();
    }
}
