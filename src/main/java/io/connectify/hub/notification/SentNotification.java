package io.connectify.hub.notification;

/** A provider accepted a notification: its reference (Twilio Message SID, SendGrid X-Message-Id) and status. */
public record SentNotification(String id, String channel, String providerReference, String status) {
}
