package io.connectify.hub.resilience;

import java.time.Instant;

/**
 * Whether a piece of work (a notification's send) has lost a provider's answer, in this call or an earlier one: set
 * by the caller on the call's exchange ({@link ProviderCalls#LOST_ANSWER}) with what it remembers, and by the call when
 * an attempt's answer is lost. While it is set, the call sends nothing that a successful lookup has not found missing
 * ({@link LostAnswerLookup}). It also counts the attempts whose answers were lost, for a provider with no lookup that
 * sends again only so many times (SendGrid). Shared by reference between the exchange and its copies (the breaker's,
 * an attempt's).
 */
public final class LostAnswerMark {

    private volatile Instant since;
    private int answersLost;

    /** @param since when the first attempt of the earliest call that lost an answer began; null: none lost */
    public LostAnswerMark(Instant since) {
        this(since, since == null ? 0 : 1);
    }

    /** @param answersLost how many attempts of the work lost their answers before (0 when {@code since} is null) */
    public LostAnswerMark(Instant since, int answersLost) {
        this.since = since;
        this.answersLost = since == null ? 0 : Math.max(answersLost, 1);
    }

    /** When the first attempt of the earliest call that lost an answer began (the system clock); null: none lost. */
    public Instant since() {
        return since;
    }

    /** How many attempts of the work, in this call and before, lost their answers (each may have been taken). */
    public synchronized int answersLost() {
        return answersLost;
    }

    /** An attempt of a call whose first attempt began {@code callStarted} lost its answer (the earliest start kept). */
    synchronized void lost(Instant callStarted) {
        answersLost++;
        if (since == null || callStarted.isBefore(since)) {
            since = callStarted;
        }
    }
}
