package io.connectify.hub.booking;

import java.time.Instant;
import java.util.List;

import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.web.ApiReply;
import io.connectify.hub.web.JsonBodies;
import io.connectify.hub.web.QueryParams;
import io.connectify.hub.payment.PaymentLink;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** The booking REST operations: create (with payment), ASAP, read, cancel, reschedule, and the admin list. */
@Component("bookingApi")
public class BookingApi {

    private static final int LIST_LIMIT = 500;

    /** Exchange properties the booking-create route reads to start the payment (provider calls clear headers). */
    public static final String BOOKING_ID = "bookingId";
    public static final String PAYMENT_PROVIDER = "paymentProvider";
    /** The reservation's time (the bookings' clock, read once for the request), which the payment's record is dated by. */
    public static final String RESERVED_AT = "bookingReservedAt";

    private final BookingService bookings;
    private final BookingSaga saga;
    private final JsonBodies json;

    public BookingApi(BookingService bookings, BookingSaga saga, JsonBodies json) {
        this.bookings = bookings;
        this.saga = saga;
        this.json = json;
    }

    /** Stores the pending booking; the route then starts its payment with the provider it names. */
    public Booking create(@Body String body, Exchange exchange) {
        return pending(bookings.create(json.read(body, BookingRequest.class)), exchange);
    }

    public Booking createAsap(@Body String body, Exchange exchange) {
        return pending(bookings.createAsap(json.read(body, AsapBookingRequest.class)), exchange);
    }

    /** The payment is started: 201 with the booking and its payment URL. */
    public ApiReply paymentStarted(@ExchangeProperty(BOOKING_ID) String id,
                                   @ExchangeProperty(RESERVED_AT) Instant reserved, @Body PaymentLink link) {
        Booking booking = bookings.paymentStarted(id, link, reserved);
        return ApiReply.created("/api/v1/bookings/" + booking.id(), booking);
    }

    /** The payment could not be started: free the slot, and answer the provider's error. */
    public void paymentFailed(@ExchangeProperty(BOOKING_ID) String id, Exchange exchange) throws Exception {
        bookings.abandon(id);
        throw exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
    }

    public Booking cancel(@Header("id") String id) {
        return saga.cancel(BookingIds.fromPath(id));
    }

    public Booking reschedule(@Header("id") String id, @Body String body) {
        return saga.reschedule(BookingIds.fromPath(id), json.read(body, RescheduleRequest.class));
    }

    private static Booking pending(Booking booking, Exchange exchange) {
        exchange.setProperty(BOOKING_ID, booking.id());
        exchange.setProperty(PAYMENT_PROVIDER, booking.provider());
        exchange.setProperty(RESERVED_AT, booking.createdAt());
        return booking;
    }

    public Booking get(@Header("id") String id) {
        return bookings.get(BookingIds.fromPath(id));
    }

    /**
     * {@code after}: the id of the previous page's last booking, {@code from} its start: the next page (a (start, id)
     * cursor), so that bookings at that same start are neither skipped nor listed twice. Before, only {@code from}
     * paged, and more than a page of bookings at one start were listed again and again.
     */
    public BookingList list(@Header("from") String from, @Header("to") String to, @Header("status") String status,
                            @Header("after") String after) {
        TimeRange range = QueryParams.optionalRange(from, to);
        String afterId = after == null || after.isBlank() ? null : after;
        if (afterId != null && (from == null || from.isBlank())) {
            throw new ValidationException("Query parameter 'after' needs 'from': the start of the booking it names");
        }
        List<Booking> found = bookings.list(range.start(), range.end(),
                QueryParams.optionalEnum("status", status, BookingStatus.class), afterId, LIST_LIMIT + 1);
        return found.size() > LIST_LIMIT ? new BookingList(found.subList(0, LIST_LIMIT), true)
                : new BookingList(found, false);
    }

    /**
     * {@code truncated}: more bookings match than a list holds; the next page: {@code from} at the last one's start
     * and {@code after} at its id.
     */
    public record BookingList(List<Booking> bookings, boolean truncated) {
    }
}
