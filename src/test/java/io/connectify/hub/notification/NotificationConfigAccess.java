package io.connectify.hub.notification;

/** The live Twilio connection as NotificationConfig makes it at start, for tests outside the package. */
public final class NotificationConfigAccess {

    private NotificationConfigAccess() {
    }

    /** Live only: the sandbox path needs the simulator server. */
    public static TwilioConnection twilioConnection(TwilioProperties properties) {
        return new NotificationConfig().twilioConnection(properties, null, null, null);
    }
}
