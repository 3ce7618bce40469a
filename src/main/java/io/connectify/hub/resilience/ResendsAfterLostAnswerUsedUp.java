package io.connectify.hub.resilience;

/**
 * A provider with no way to look a request up (SendGrid) lost its answer to this work as many times as the hub may
 * send it again ({@link LostAnswerLookup}): nothing more is sent. Final: not retried (another attempt would be one
 * more copy, maybe delivered), 502 {@code provider-error} to a caller, who is told it may have gone out. A queued
 * notification is recorded failed and left for a person (NotificationDelivery).
 */
public final class ResendsAfterLostAnswerUsedUp extends ProviderException {

    private final int answersLost;

    public ResendsAfterLostAnswerUsedUp(String provider, String detail, int answersLost) {
        super(provider, Kind.REJECTED, detail, null, null);
        this.answersLost = answersLost;
    }

    /** How many attempts lost their answers (each may have been taken). */
    public int answersLost() {
        return answersLost;
    }
}
