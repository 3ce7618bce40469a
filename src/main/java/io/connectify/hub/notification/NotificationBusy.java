package io.connectify.hub.notification;

/**
 * A queued notification's row held by another transaction past {@code connectify.database.lock-timeout}: another copy
 * of it being sent (a redelivery, the recovery sweep's re-queue, another instance), most likely, which sends it or
 * leaves it unsent for its own redelivery. A passing state, not a failure of this copy: its message is rolled back for
 * the broker's redelivery (with its back-off: {@link QueuedNotificationSender#sendQueued}), which then finds the
 * notification sent, or sends it.
 */
public class NotificationBusy extends RuntimeException {

    public NotificationBusy(String notificationId, Throwable held) {
        super("Notification " + notificationId + " is held by another transaction past the lock timeout", held);
    }
}
