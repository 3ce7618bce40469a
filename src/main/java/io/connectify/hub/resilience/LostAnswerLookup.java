package io.connectify.hub.resilience;

import java.time.Instant;

import org.apache.camel.Exchange;

/**
 * For a provider that takes no idempotency key: before a retry whose previous attempt's answer was lost (the request
 * may have been taken), or the first attempt of a call whose work lost an answer before ({@link LostAnswerMark}), asks
 * the provider whether it was, so that the request is not done a second time. Called by
 * {@link ProviderCalls} inside the provider's breaker, without a permit of its rate limiter (which keeps the sends
 * within the provider's quota); never retried itself.
 */
public interface LostAnswerLookup {

    /** Whether this failure leaves open whether the provider took the request (a read timeout, a dropped connection). */
    boolean answerLost(HubException failure);

    /**
     * What the provider made of the lost attempt, as its answer would have been (the route's next step reads it),
     * or null when the provider says it has nothing of it: only then is the request sent again. A lookup that cannot
     * say (it failed, or what it found is ambiguous) throws: the caller fails the attempt, retryable, sending nothing.
     * A provider with no lookup at all (SendGrid) answers null while the work may be sent again (the exchange's
     * {@link LostAnswerMark} counts the answers lost) and then throws {@link ResendsAfterLostAnswerUsedUp}: final.
     *
     * @param exchange the call's exchange, with the request the provider was sent
     * @param firstAttemptStarted when the call's first attempt began (the system clock, as the provider's)
     */
    Object find(Exchange exchange, Instant firstAttemptStarted) throws Exception;
}
