package io.connectify.hub.notification;

import java.util.List;
import java.util.UUID;

import io.connectify.hub.booking.BookingIds;
import io.connectify.hub.booking.BookingService;
import io.connectify.hub.notification.Notification.Channel;
import io.connectify.hub.notification.NotificationRequests.EmailRequest;
import io.connectify.hub.notification.NotificationRequests.SmsRequest;
import io.connectify.hub.web.JsonBodies;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** POST /api/v1/notifications/sms and /email (sent at once, logged), GET /api/v1/bookings/{id}/notifications. */
@Component("notificationApi")
public class NotificationApi {

    private final JsonBodies json;
    private final NotificationLog log;
    private final BookingService bookings;

    public NotificationApi(JsonBodies json, NotificationLog log, BookingService bookings) {
        this.json = json;
        this.log = log;
        this.bookings = bookings;
    }

    public Notification sms(@Body String body) {
        SmsRequest r = json.read(body, SmsRequest.class);
        return logged(new Notification(UUID.randomUUID().toString(), Channel.SMS, r.to(), null, r.body(), false,
                null, "direct", null));
    }

    public Notification email(@Body String body) {
        EmailRequest r = json.read(body, EmailRequest.class);
        return logged(new Notification(UUID.randomUUID().toString(), Channel.EMAIL, r.to(), r.subject(), r.body(),
                Boolean.TRUE.equals(r.isHtml()), null, "direct", null));
    }

    /** 404 for a booking that does not exist, as its GET: an empty list would say it has had no notification. */
    public BookingNotifications forBooking(@Header("id") String bookingId) {
        return new BookingNotifications(log.forBooking(bookings.get(BookingIds.fromPath(bookingId)).id()));
    }

    private Notification logged(Notification n) {
        log.queued(n);
        return n;
    }

    public record BookingNotifications(List<NotificationLog.NotificationStatus> notifications) {
    }
}
