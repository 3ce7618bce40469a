package io.connectify.hub.notification;

/**
 * The canonical notification (design.md section 4): {@code to} and {@code body}, for email also {@code subject}
 * and {@code html}. {@code id} names it in the notification log; {@code bookingId} and {@code kind} say why it
 * was sent (absent for a direct REST send).
 */
public record Notification(String id, Channel channel, String to, String subject, String body, boolean html,
                           String bookingId, String kind) {

    public enum Channel {
        SMS, EMAIL
    }
}
