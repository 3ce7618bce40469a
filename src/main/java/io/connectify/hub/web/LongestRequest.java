package io.connectify.hub.web;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.calendar.GoogleCalendarProperties;
import io.connectify.hub.ops.DatabaseProperties;
import io.connectify.hub.payment.payrexx.PayrexxProperties;
import io.connectify.hub.payment.stripe.StripeProperties;
import io.connectify.hub.resilience.ResilienceProperties;
import org.springframework.stereotype.Component;

/**
 * How long the longest REST request the hub runs can take, each provider call with its timeouts and the hub's retry
 * policy for it (ResilienceProperties.Policy#longestCall, as EventChangeTimeout): a reschedule's four Google calls
 * (FreeBusy, should its slot look busy the read of where its event is, the PATCH and, should the booking's update
 * fail, the PATCH back), or a cancel's Google DELETE and two
 * payment-provider calls (the refund and, should it be refused, the look-up of what was refunded; the slower of
 * Stripe and Payrexx); a booking's FreeBusy and payment page take less. Each with {@link #LOCK_WAITS} lock waits.
 * An Idempotency-Key's claim is renewed for connectify.http.idempotency-claim-max-age at most (IdempotentRequests):
 * a shorter max age stops the start, where raising Google's timeouts or retries silently let a repeat take over a
 * request still running and run it a second time.
 */
@Component
public class LongestRequest {

    /** A cancel's or a reschedule's lock waits: its marker, its change (or the slot), the marker's end, the row. */
    static final int LOCK_WAITS = 4;

    private final Duration duration;

    public LongestRequest(GoogleCalendarProperties google, StripeProperties stripe, PayrexxProperties payrexx,
                          ResilienceProperties resilience, DatabaseProperties database, HttpProperties http) {
        Duration googleCall = resilience.policyFor("google-calendar")
                .longestCall("google-calendar", google.connectTimeout(), google.readTimeout());
        Duration stripeCall = resilience.policyFor("stripe")
                .longestCall("stripe", stripe.connectTimeout(), stripe.readTimeout());
        Duration payrexxCall = resilience.policyFor("payrexx")
                .longestCall("payrexx", payrexx.connectTimeout(), payrexx.readTimeout());
        Duration paymentCall = longer(stripeCall, payrexxCall);
        this.duration = longer(googleCall.multipliedBy(4), googleCall.plus(paymentCall.multipliedBy(2)))
                .plus(database.lockTimeout().multipliedBy(LOCK_WAITS));
        if (http.idempotencyClaimMaxAge().compareTo(duration) < 0) {
            throw ConfigurationError.mismatch("connectify.http.idempotency-claim-max-age ("
                    + http.idempotencyClaimMaxAge() + ") must be at least the longest request the hub runs, "
                    + duration + ": a reschedule's four Google calls or a cancel's Google call and two payment calls, "
                    + "from the timeouts of connectify.gcal, connectify.stripe and connectify.payrexx, the retry and "
                    + "rate-limiter policies connectify.resilience.providers.google-calendar, .stripe and .payrexx, "
                    + "and " + LOCK_WAITS + " waits of connectify.database.lock-timeout; a repeat would take over a "
                    + "request still running and run it a second time", "connectify.http.idempotency-claim-max-age",
                    "connectify.resilience.providers.google-calendar.retry.max-attempts",
                    "connectify.gcal.read-timeout");
        }
    }

    public Duration duration() {
        return duration;
    }

    private static Duration longer(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
