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
     * say throws: it failed (the caller fails the attempt, retryable, sending nothing, a failure of the provider), or
     * what it found cannot tell (two candidates, too many to read): a {@link ProviderException} of kind
     * {@link ProviderException.Kind#UNDECIDED}, which the caller passes on as it is, not a failure of the provider.
     * A provider with no lookup at all (SendGrid) answers null while the work may be sent again ({@code lost} counts
     * the answers lost) and then throws {@link ResendsAfterLostAnswerUsedUp}: final.
     *
     * @param exchange the call's exchange, with the request the provider is to be sent
     * @param lost     what was lost: from when the earliest lost call's first attempt began to when the latest lost
     *                 attempt ended (null: not known, up to now), by the system clock, as the provider's; and what
     *                 that attempt sent ({@link #sent}; null: not known, the request as it is now)
     */
    Object find(Exchange exchange, LostAnswerMark lost) throws Exception;

    /**
     * What the request on the exchange sends, as {@link #find} will compare it with what the provider lists (a digest
     * of an SMS's text): kept with a lost answer, so that a later call, which may build its request anew, looks for
     * what was sent then. Null: the request as it is at the lookup.
     */
    default String sent(Exchange exchange) {
        return null;
    }
}
