package io.connectify.hub.booking;

import java.time.Instant;
import java.util.List;

import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.web.ApiReply;
import io.connectify.hub.web.JsonBodies;
import io.connectify.hub.web.QueryParams;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

/** POST /api/v1/bookings, POST /api/v1/bookings/asap, GET /api/v1/bookings/{id}, GET /api/v1/admin/bookings. */
@Component("bookingApi")
public class BookingApi {

    private static final int LIST_LIMIT = 500;

    private final BookingService bookings;
    private final JsonBodies json;

    public BookingApi(BookingService bookings, JsonBodies json) {
        this.bookings = bookings;
        this.json = json;
    }

    public ApiReply create(@Body String body) {
        Booking booking = bookings.create(json.read(body, BookingRequest.class));
        return ApiReply.created("/api/v1/bookings/" + booking.id(), booking);
    }

    public ApiReply createAsap(@Body String body) {
        Booking booking = bookings.createAsap(json.read(body, AsapBookingRequest.class));
        return ApiReply.created("/api/v1/bookings/" + booking.id(), booking);
    }

    public Booking get(@Header("id") String id) {
        return bookings.get(id);
    }

    public BookingList list(@Header("from") String from, @Header("to") String to, @Header("status") String status) {
        Instant fromInstant = from == null ? Instant.EPOCH : Rfc3339.parse("from", from).toInstant();
        Instant toInstant = to == null ? Instant.parse("9999-12-31T00:00:00Z") : Rfc3339.parse("to", to).toInstant();
        return new BookingList(bookings.list(fromInstant, toInstant,
                QueryParams.optionalEnum("status", status, BookingStatus.class), LIST_LIMIT));
    }

    public record BookingList(List<Booking> bookings) {
    }
}
