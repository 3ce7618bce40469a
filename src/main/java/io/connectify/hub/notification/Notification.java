package io.connectify.hub.notification;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The canonical notification (design.md section 4): {@code to} and {@code body}, for email also {@code subject}
 * and {@code html}. {@code id} names it in the notification log; {@code bookingId} and {@code kind} say why it
 * was sent, and {@code start} the booking's start it tells of, an ISO-8601 instant (absent for a direct REST send,
 * and in a message queued before it was added). {@code occasion} is what set it apart from an earlier notification
 * of its booking and kind (a move's target and time; absent for other kinds), kept in its row so that it can be queued
 * again as itself ({@link NotificationPlanner}). A field a later version adds is ignored, so instances of two versions
 * can share the queue during an upgrade.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Notification(String id, Channel channel, String to, String subject, String body, boolean html,
                           String bookingId, String kind, String start, String occasion) {

    /** A notification of no occasion. */
    public Notification(String id, Channel channel, String to, String subject, String body, boolean html,
                        String bookingId, String kind, String start) {
        this(id, channel, to, subject, body, html, bookingId, kind, start, null);
    }

    public enum Channel {
        SMS, EMAIL
    }
}
