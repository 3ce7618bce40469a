package io.connectify.hub.notification;

/**
 * The routes that send queued notifications, one per channel (notifications.camel.yaml, template notification-sender),
 * and the provider each calls. A queued notification carries no provider header (its headers would go to SendGrid
 * with the call): a dead letter of one names its provider by the sender that consumed it.
 */
public final class NotificationSenderRoutes {

    public static final String SMS = "notification-send-sms";
    public static final String EMAIL = "notification-send-email";

    private NotificationSenderRoutes() {
    }

    /** The provider the sender route {@code routeId} calls; null for any other route. */
    public static String provider(String routeId) {
        if (SMS.equals(routeId)) {
            return NotificationConfig.TWILIO;
        }
        return EMAIL.equals(routeId) ? NotificationConfig.SENDGRID : null;
    }
}
