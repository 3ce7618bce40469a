package io.connectify.hub.resilience;

import java.time.Instant;

/**
 * Whether a piece of work (a notification's send) has lost a provider's answer, in this call or an earlier one: set
 * by the caller on the call's exchange ({@link ProviderCalls#LOST_ANSWER}) with what it remembers, and by the call when
 * an attempt's answer is lost. While it is set, the call sends nothing that a successful lookup has not found missing
 * ({@link LostAnswerLookup}). It tells the lookup from when the first attempt of the earliest call that lost an answer
 * began (and when the latest attempt whose answer was lost ended), and what that attempt sent (a later call may build
 * its request anew, a text rendered again). It also counts the attempts whose answers were lost, for a provider with no
 * lookup that sends again only so many times (SendGrid). Shared by reference between the exchange and its copies (the
 * breaker's, an attempt's).
 */
public final class LostAnswerMark {

    private Instant since;
    private Instant until;
    private String sent;
    private int answersLost;
    private boolean lostInThisCall;

    /** @param since when the first attempt of the earliest call that lost an answer began; null: none lost */
    public LostAnswerMark(Instant since) {
        this(since, null, null, 1);
    }

    /**
     * @param since       when the first attempt of the earliest call that lost an answer began; null: none lost
     * @param until       when the latest attempt whose answer was lost ended; null: not known (looked for up to now)
     * @param sent        what that attempt sent, as the lookup tells it ({@link LostAnswerLookup#sent}); null: not
     *                    known (looked for as the request is now)
     * @param answersLost how many attempts of the work lost their answers before (at least 1 when {@code since} is
     *                    set, 0 when it is null)
     */
    public LostAnswerMark(Instant since, Instant until, String sent, int answersLost) {
        this.since = since;
        this.until = since == null ? null : until;
        this.sent = since == null ? null : sent;
        this.answersLost = since == null ? 0 : Math.max(answersLost, 1);
    }

    /** When the first attempt of the earliest call that lost an answer began (the system clock); null: none lost. */
    public synchronized Instant since() {
        return since;
    }

    /** When the latest attempt whose answer was lost ended (the system clock); null: none lost, or not known. */
    public synchronized Instant until() {
        return until;
    }

    /** What the latest attempt whose answer was lost sent ({@link LostAnswerLookup#sent}); null: none, or not known. */
    public synchronized String sent() {
        return sent;
    }

    /** How many attempts of the work, in this call and before, lost their answers (each may have been taken). */
    public synchronized int answersLost() {
        return answersLost;
    }

    /** Whether an attempt of the call this mark went with lost an answer (what its caller then has to remember). */
    public synchronized boolean lostInThisCall() {
        return lostInThisCall;
    }

    /**
     * An attempt of a call whose first attempt began {@code callStarted} lost its answer at {@code attemptEnded},
     * having sent {@code what}: the earliest start is kept, the latest end, and what that attempt sent. The window
     * keeps every lost attempt; the text is the latest's only, since this attempt was sent only after a lookup found
     * the earlier ones' message missing (an end not known, lost before this call, lies inside the window all the same).
     */
    synchronized void lost(Instant callStarted, Instant attemptEnded, String what) {
        answersLost++;
        if (since == null || callStarted.isBefore(since)) {
            since = callStarted;
        }
        if (until == null || attemptEnded.isAfter(until)) {
            until = attemptEnded;
        }
        sent = what;
        lostInThisCall = true;
    }
}
