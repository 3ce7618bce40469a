package io.connectify.hub.notification;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.notification.Notification.Channel;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What a booking event sends: an SMS to the customer's phone (if any), a copy to the operator number (if
 * configured; the time in it in the consultancy's zone, the working hours'), and an HTML email. Each is logged as queued before it goes to the queue. A notification's id is
 * derived from its booking, kind (with a move, its target and time), channel and recipient, so a saga step that
 * repeats plans the same ones and queues again only those still unsent (their messages may have been lost with a
 * rolled-back transaction); the sender sends each id once ({@link NotificationDelivery}).
 * <p>
 * A re-queue (the recovery sweep, a repeated payment event) plans nothing: it rebuilds each unsent notification from
 * its row ({@link #asLogged}), its id, recipient, kind, occasion and the start it told of, so that exactly the
 * notifications logged go out again, as they were planned (planned anew from the booking now, one whose recipient was
 * edited since, or a move's logged before V16, was another notice, and the logged one was never sent).
 */
@Component("notificationPlanner")
public class NotificationPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationPlanner.class);

    public static final String KIND = "notificationKind";
    /** Optional: what sets one event's notifications apart from an earlier event's of the same kind (a move's time). */
    public static final String OCCASION = "notificationOccasion";
    private static final String RESCHEDULED = "rescheduled";
    /** A payment refunded as it cannot pay for its booking (BookingSaga): its text tells what the booking is now. */
    private static final String PAYMENT_MISMATCH = "payment-mismatch";
    /** A refunded payment's occasion (refundedPaymentOccasion): its amount in minor units, its currency, the rest. */
    private static final Pattern REFUNDED_PAYMENT = Pattern.compile("(\\d{1,18}) ([A-Z]{3}) .+");
    /** The longest occasion the notification table keeps (V16: VARCHAR(100)). */
    private static final int OCCASION_MAX = 100;

    private final NotificationTemplates templates;
    private final NotificationLog log;
    private final TwilioProperties twilio;
    private final BookingRepository bookings;
    private final ZoneId hubZone;

    public NotificationPlanner(NotificationTemplates templates, NotificationLog log, TwilioProperties twilio,
                               BookingRepository bookings, AvailabilityProperties availability) {
        this.templates = templates;
        this.log = log;
        this.twilio = twilio;
        this.bookings = bookings;
        this.hubZone = availability.timeZone();
    }

    public List<Notification> forBooking(@Body Booking booking, @Header(KIND) String kind,
                                         @Header(OCCASION) String occasion) {
        List<Notification> planned = new ArrayList<>();
        NotificationTemplates.Amount refunded = refundedPayment(occasion);
        String sms = templates.render(kind, "sms", booking, refunded);
        if (booking.customer().phone() != null) {
            planned.add(notification(Channel.SMS, booking.customer().phone(), null, sms, false, booking, kind,
                    occasion));
        }
        if (operatorNumber() != null) {
            // the customer's text, the time in the consultancy's zone: the customer's, unnamed, read as another hour
            planned.add(notification(Channel.SMS, operatorNumber(), null, templates.render(kind, "sms", booking,
                    hubZone, refunded), false, booking, kind, occasion));
        }
        planned.add(notification(Channel.EMAIL, booking.customer().email(),
                templates.render(kind, "email.subject", booking, refunded),
                templates.render(kind, "email.body", booking, refunded), true, booking, kind, occasion));
        return planned.stream().filter(log::queuedUnlessSent).toList();
    }

    /**
     * A logged notification as it was planned: its id, channel, recipient (the one logged, edited on its booking
     * since or not), kind and occasion, its texts telling of the start it told of. That start is its row's; for a
     * row logged before V18, a move's target (its occasion), or else the booking's start, unless a move of the
     * booking was logged after it. Empty, with a warning, where that start is unknown: the notification cannot be
     * queued again as itself, and is not queued as another.
     */
    public Optional<Notification> asLogged(Booking booking, NotificationLog.Logged row) {
        Instant start = row.start() != null ? row.start()
                : RESCHEDULED.equals(row.kind()) && movedTo(row.occasion()) != null ? movedTo(row.occasion())
                : log.movedSince(row) ? null : booking.start().toInstant();
        if (start == null) {
            // no recipient here: it is the customer's phone or email
            LOG.warn("Booking {}: its {} notification {} is not queued again: logged before V18 without the time it "
                    + "tells of, its booking moved since (skipped if the move supersedes it, else left queued on the "
                    + "booking for someone to look at)",
                    booking.id(), row.kind(), row.id());
            return Optional.empty();
        }
        Booking told = new Booking(booking.id(), booking.status(), start.atZone(hubZone).toOffsetDateTime(),
                booking.end(), booking.durationMinutes(), booking.amount(), booking.currency(), booking.customer(),
                booking.summary(), booking.description(), booking.provider(), booking.paymentUrl(),
                booking.calendarEventId(), booking.holdExpiresAt(), booking.createdAt(), booking.paymentReference(),
                booking.statusReason(), booking.paidAmount());
        boolean email = row.channel() == Channel.EMAIL;
        NotificationTemplates.Amount refunded = refundedPayment(row.occasion());
        String body = operatorCopy(row, booking) ? templates.render(row.kind(), "sms", told, hubZone, refunded)
                : templates.render(row.kind(), email ? "email.body" : "sms", told, refunded);
        return Optional.of(new Notification(row.id(), row.channel(), row.to(),
                email ? templates.render(row.kind(), "email.subject", told, refunded) : null, body, email,
                booking.id(), row.kind(), start.toString(), row.occasion()));
    }

    /**
     * A notification as it is to be sent now ({@link NotificationDelivery}): a payment-mismatch notice rendered again
     * from its booking as it is now, as {@link #asLogged} rebuilds it (its id, recipient, occasion and the start it
     * told of), since its text tells what the booking is: held for a payment until its hold ends, no longer held, or
     * neither. Rendered when planned and sent however late (Twilio down, then a dead letter replayed), it told a
     * customer who had paid since to pay again, or of a hold long over. The refund it tells of stays true: it is sent,
     * never skipped. Any other notification, or one whose booking is gone, as it was planned.
     */
    public Notification asSentNow(Notification n) {
        if (!PAYMENT_MISMATCH.equals(n.kind()) || n.bookingId() == null) {
            return n;
        }
        return bookings.find(n.bookingId()).flatMap(booking -> asLogged(booking, new NotificationLog.Logged(n.id(),
                n.bookingId(), n.kind(), n.occasion(), n.start() != null ? Instant.parse(n.start())
                        : booking.start().toInstant(), n.channel(), n.to(), null))).orElse(n);
    }

    /**
     * The occasion of a notice about one payment refunded (BookingSaga: one that cannot pay for its booking): "9000 JPY
     * stripe pi_..." - its amount and currency, which the notice tells (a re-queue renders it from its row), then
     * its provider and reference, which set it apart from another payment's notice of the same booking. A reference
     * too long for the column is kept as a name-based UUID of itself (still one per payment).
     */
    public static String refundedPaymentOccasion(long amount, String currency, String provider, String reference) {
        String head = amount + " " + currency.strip().toUpperCase(java.util.Locale.ROOT) + " " + provider + " ";
        String occasion = head + reference;
        return occasion.length() <= OCCASION_MAX ? occasion : head + UUID.nameUUIDFromBytes(
                String.valueOf(reference).getBytes(StandardCharsets.UTF_8));
    }

    /** The payment a refunded payment's occasion names (its amount and currency); null for any other occasion. */
    static NotificationTemplates.Amount refundedPayment(String occasion) {
        Matcher m = occasion == null ? null : REFUNDED_PAYMENT.matcher(occasion);
        return m != null && m.matches() ? new NotificationTemplates.Amount(Long.parseLong(m.group(1)), m.group(2))
                : null;
    }

    /** The operator number, if one is configured. */
    private String operatorNumber() {
        return twilio.operatorNumber() == null || twilio.operatorNumber().isBlank() ? null : twilio.operatorNumber();
    }

    /** Whether a logged notification is the operator's copy of the customer's SMS (not the customer's own). */
    private boolean operatorCopy(NotificationLog.Logged row, Booking booking) {
        return row.channel() == Channel.SMS && operatorNumber() != null && operatorNumber().equals(row.to())
                && !operatorNumber().equals(booking.customer().phone());
    }

    /** The target start of a move's occasion (BookingSaga: "start at time"); null for another. */
    private static Instant movedTo(String occasion) {
        int at = occasion == null ? -1 : occasion.indexOf(" at ");
        if (at < 0) {
            return null;
        }
        try {
            return Instant.parse(occasion.substring(0, at));
        } catch (DateTimeParseException notAMove) {
            return null;
        }
    }

    private static Notification notification(Channel channel, String to, String subject, String body, boolean html,
                                             Booking booking, String kind, String occasion) {
        String event = occasion == null ? kind : kind + "@" + occasion;
        String id = UUID.nameUUIDFromBytes(String.join("|", booking.id(), event, channel.name(), to)
                .getBytes(StandardCharsets.UTF_8)).toString();
        // the start it tells of: outdated once the booking has moved (NotificationLog.outdated), and kept in its row
        return new Notification(id, channel, to, subject, body, html, booking.id(), kind,
                booking.start().toInstant().toString(), occasion);
    }
}
