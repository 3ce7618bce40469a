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
 * derived from its booking, kind (with a reschedule, the new start), channel and recipient, so a saga step that repeats plans the same ones and queues
 * again only those still unsent (their messages may have been lost with a rolled-back transaction); the sender
 * sends each id once ({@link NotificationDelivery}).
 */
@Component("notificationPlanner")
public class NotificationPlanner {

    public static final String KIND = "notificationKind";
    private static final String RESCHEDULED = "rescheduled";

    private final NotificationTemplates templates;
    private final NotificationLog log;
    private final TwilioProperties twilio;

    public NotificationPlanner(NotificationTemplates templates, NotificationLog log, TwilioProperties twilio) {
        this.templates = templates;
        this.log = log;
        this.twilio = twilio;
    }

    public List<Notification> forBooking(@Body Booking booking, @Header(KIND) String kind) {
        List<Notification> planned = new ArrayList<>();
        String sms = templates.render(kind, "sms", booking);
        if (booking.customer().phone() != null) {
            planned.add(notification(Channel.SMS, booking.customer().phone(), null, sms, false, booking, kind));
        }
        if (twilio.operatorNumber() != null && !twilio.operatorNumber().isBlank()) {
            planned.add(notification(Channel.SMS, twilio.operatorNumber(), null, sms, false, booking, kind));
        }
        planned.add(notification(Channel.EMAIL, booking.customer().email(),
                templates.render(kind, "email.subject", booking), templates.render(kind, "email.body", booking),
                true, booking, kind));
        return planned.stream().filter(log::queuedUnlessSent).toList();
    }

    private static Notification notification(Channel channel, String to, String subject, String body, boolean html,
                                             Booking booking, String kind) {
        // a booking may be moved more than once: each move, to its start, is a notice of its own
        String occasion = RESCHEDULED.equals(kind) ? kind + "@" + booking.start().toInstant() : kind;
        String id = UUID.nameUUIDFromBytes(String.join("|", booking.id(), occasion, channel.name(), to)
                .getBytes(StandardCharsets.UTF_8)).toString();
        return new Notification(id, channel, to, subject, body, html, booking.id(), kind);
    }
}
