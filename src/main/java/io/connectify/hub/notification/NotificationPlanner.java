package io.connectify.hub.notification;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.notification.Notification.Channel;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * What a booking event sends: an SMS to the customer's phone (if any), a copy to the operator number (if
 * configured), and an HTML email. Each is logged as queued before it goes to the queue. A notification's id is
 * derived from its booking, kind (with a move, its target and time), channel and recipient, so a saga step that
 * repeats plans the same ones and queues again only those still unsent (their messages may have been lost with a
 * rolled-back transaction); the sender sends each id once ({@link NotificationDelivery}).
 * <p>
 * A re-queue (header {@link #REQUEUE}: the recovery sweep, a repeated payment event) plans them the same way, with the
 * occasion kept in their rows, and queues only those logged and still unsent: never a notification of its own, which
 * would be sent besides the one it stands for (a move's notice planned without its occasion is another notice).
 */
@Component("notificationPlanner")
public class NotificationPlanner {

    public static final String KIND = "notificationKind";
    /** Optional: what sets one event's notifications apart from an earlier event's of the same kind (a move's time). */
    public static final String OCCASION = "notificationOccasion";
    /**
     * Optional: the booking's start the notifications tell of (an ISO-8601 instant) where it is not the booking's
     * start now: a move's notice queued again after a later move, which the sender then finds outdated.
     */
    public static final String START = "notificationStart";
    /** Optional, true: queue again only the notifications logged and still unsent; log none. */
    public static final String REQUEUE = "notificationRequeue";

    private final NotificationTemplates templates;
    private final NotificationLog log;
    private final TwilioProperties twilio;

    public NotificationPlanner(NotificationTemplates templates, NotificationLog log, TwilioProperties twilio) {
        this.templates = templates;
        this.log = log;
        this.twilio = twilio;
    }

    /** A first plan (package-private: route booking-notify calls the one below). */
    List<Notification> forBooking(Booking booking, String kind, String occasion) {
        return forBooking(booking, kind, occasion, null, null);
    }

    public List<Notification> forBooking(@Body Booking booking, @Header(KIND) String kind,
                                         @Header(OCCASION) String occasion, @Header(START) String start,
                                         @Header(REQUEUE) Boolean requeue) {
        List<Notification> planned = new ArrayList<>();
        String sms = templates.render(kind, "sms", booking);
        if (booking.customer().phone() != null) {
            planned.add(notification(Channel.SMS, booking.customer().phone(), null, sms, false, booking, kind,
                    occasion, start));
        }
        if (twilio.operatorNumber() != null && !twilio.operatorNumber().isBlank()) {
            planned.add(notification(Channel.SMS, twilio.operatorNumber(), null, sms, false, booking, kind,
                    occasion, start));
        }
        planned.add(notification(Channel.EMAIL, booking.customer().email(),
                templates.render(kind, "email.subject", booking), templates.render(kind, "email.body", booking),
                true, booking, kind, occasion, start));
        return planned.stream().filter(Boolean.TRUE.equals(requeue) ? log::unsent : log::queuedUnlessSent).toList();
    }

    private static Notification notification(Channel channel, String to, String subject, String body, boolean html,
                                             Booking booking, String kind, String occasion, String start) {
        String event = occasion == null ? kind : kind + "@" + occasion;
        String id = UUID.nameUUIDFromBytes(String.join("|", booking.id(), event, channel.name(), to)
                .getBytes(StandardCharsets.UTF_8)).toString();
        // the start it tells of: outdated once the booking has moved (NotificationLog.outdated)
        return new Notification(id, channel, to, subject, body, html, booking.id(), kind,
                start != null ? start : booking.start().toInstant().toString(), occasion);
    }
}
