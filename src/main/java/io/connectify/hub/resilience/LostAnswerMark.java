package io.connectify.hub.resilience;

import java.time.Instant;

/**
 * Whether a piece of work (a notification's send) has lost a provider's answer, in this call or an earlier one: set
 * by the caller on the call's exchange ({@link ProviderCalls#LOST_ANSWER}) with what it remembers, and by the call when
 * an attempt's answer is lost. While it is set, the call sends nothing that a successful lookup has not found missing
 * ({@link LostAnswerLookup}). Shared by reference between the exchange and its copies (the breaker's, an attempt's).
 */
public final class LostAnswerMark {

    private volatile Instant since;

    /** @param since when the first attempt of the earliest call that lost an answer began; null: none lost */
    public LostAnswerMark(Instant since) {
        this.since = since;
    }

    /** When the first attempt of the earliest call that lost an answer began (the system clock); null: none lost. */
    public Instant since() {
        return since;
    }

    /** A call whose first attempt began {@code callStarted} lost an answer: the earliest such start is kept. */
    synchronized void lost(Instant callStarted) {
        if (since == null || callStarted.isBefore(since)) {
            since = callStarted;
        }
    }
}
