package io.connectify.hub.notification;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import io.connectify.hub.booking.BookingIds;
import io.connectify.hub.booking.BookingService;
import io.connectify.hub.notification.Notification.Channel;
import io.connectify.hub.notification.NotificationRequests.EmailRequest;
import io.connectify.hub.notification.NotificationRequests.SmsRequest;
import io.connectify.hub.payment.IdempotencyKeys;
import io.connectify.hub.security.ApiKeyFilter;
import io.connectify.hub.web.IdempotencyKeyFilter;
import io.connectify.hub.web.JsonBodies;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/**
 * POST /api/v1/notifications/sms and /email (sent at once, logged: NotificationDelivery#sendNow), GET
 * /api/v1/bookings/{id}/notifications.
 */
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

    public Notification sms(@Body String body, @Header(IdempotencyKeyFilter.HEADER) String key,
                            @Header(ApiKeyFilter.HEADER) String apiKey) {
        SmsRequest r = json.read(body, SmsRequest.class);
        return new Notification(idOf(key, apiKey, Channel.SMS, r.to(), "", r.body(), false), Channel.SMS, r.to(),
                null, r.body(), false, null, "direct", null);
    }

    public Notification email(@Body String body, @Header(IdempotencyKeyFilter.HEADER) String key,
                              @Header(ApiKeyFilter.HEADER) String apiKey) {
        EmailRequest r = json.read(body, EmailRequest.class);
        boolean html = Boolean.TRUE.equals(r.isHtml());
        return new Notification(idOf(key, apiKey, Channel.EMAIL, r.to(), r.subject(), r.body(), html), Channel.EMAIL,
                r.to(), r.subject(), r.body(), html, null, "direct", null);
    }

    /**
     * A direct notification's id: without an Idempotency-Key a new one per request; with one, derived from the caller
     * (API key), the key and the message, so the request's repeat (run again after a 5xx, or after the hub stopped
     * during the first and its key's claim ran out) is the same notification and finds the first's send, its start or
     * its lost answer (NotificationDelivery#sendNow). A new id each time sent it again without a lookup, the first
     * left queued for good.
     */
    private static String idOf(String key, String apiKey, Channel channel, String to, String subject, String body,
                               boolean html) {
        if (key == null || key.isBlank()) {
            return UUID.randomUUID().toString();
        }
        String derived = IdempotencyKeys.sha256(utf8(apiKey), utf8(key), utf8(channel.name()), utf8(to),
                utf8(subject), utf8(body), utf8(String.valueOf(html)));
        return UUID.nameUUIDFromBytes(utf8("direct-notification:" + derived)).toString();
    }

    private static byte[] utf8(String text) {
        return String.valueOf(text).getBytes(StandardCharsets.UTF_8);
    }

    /** 404 for a booking that does not exist, as its GET: an empty list would say it has had no notification. */
    public BookingNotifications forBooking(@Header("id") String bookingId) {
        return new BookingNotifications(log.forBooking(bookings.get(BookingIds.fromPath(bookingId)).id()));
    }

    public record BookingNotifications(List<NotificationLog.NotificationStatus> notifications) {
    }
}
