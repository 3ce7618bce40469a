package io.connectify.hub.booking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.ops.cluster.SingletonLease;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.payment.PaymentLink;
import io.connectify.hub.payment.PaymentPages;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.resilience.BookingConflictException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ValidationException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Creates bookings: the slot must be bookable (working hours, step, lead time: judged again once Google has answered),
 * free in Google Calendar and not held by another booking; it is priced and stored PENDING_PAYMENT with a hold on its
 * slot. The final overlap check and the insert happen under the slot lock, so of two racing requests exactly one wins.
 */
@Component
public class BookingService {

    private static final Logger log = LoggerFactory.getLogger(BookingService.class);
    private static final int SUMMARY_MAX = 200; // the booking table's summary column, as BookingRequest allows

    private final AvailabilityService availability;
    private final BookingRepository bookings;
    private final SlotCalculator slots;
    private final PriceTable prices;
    private final BookingProperties properties;
    private final AvailabilityProperties hours;
    private final PaymentProperties payments;
    private final PaymentPages paymentPages;
    private final Clock clock;

    public BookingService(AvailabilityService availability, BookingRepository bookings, SlotCalculator slots,
                          PriceTable prices, BookingProperties properties, AvailabilityProperties hours,
                          PaymentProperties payments, PaymentPages paymentPages, @BookingClock Clock clock) {
        this.payments = payments;
        this.paymentPages = paymentPages;
        this.availability = availability;
        this.bookings = bookings;
        this.slots = slots;
        this.prices = prices;
        this.properties = properties;
        this.hours = hours;
        this.clock = clock;
    }

    public Booking create(BookingRequest request) {
        OffsetDateTime start = Rfc3339.parse("start", request.start());
        Duration duration = Duration.ofMinutes(request.durationMinutes());
        Price price = prices.priceFor(request.durationMinutes());
        bookableAt(start, duration, now());
        TimeRange slot = TimeRange.of(start.toInstant(), duration);
        if (availability.isBusyInCalendar(slot)) {
            throw conflict(start);
        }
        // FreeBusy (with its retries: seconds to minutes) may have brought the slot within the lead time: judged again
        // at the time after it, which the hold counts from too (dated before FreeBusy, it would run out that early);
        // the one reading after it, for the other bookings' holds as well (each reading is a statement)
        Instant checked = now();
        if (availability.isHeld(slot, "", checked)) {
            throw conflict(start);
        }
        bookableAt(start, duration, checked);
        return reserve(start, slot, price, request.customer(), request.summary(), request.description(),
                request.provider(), checked);
    }

    /**
     * Books the earliest free slot that starts after the preparation time, on the day (in the hub's zone) that time
     * ends: today, or tomorrow once the preparation time runs past midnight; hours that run on past that day's
     * midnight (a window to 24:00 and the next day's from 00:00) are searched to their end.
     */
    public Booking createAsap(AsapBookingRequest request) {
        if (!properties.asap().enabled()) {
            throw new NotFoundException("ASAP booking is switched off");
        }
        Duration duration = Duration.ofMinutes(request.durationMinutes());
        Price price = prices.priceFor(request.durationMinutes());
        Instant now = now();
        Instant earliest = now.plus(properties.asap().preparationTime());
        // the day of the earliest start, not of now: asked at 23:50, "today" ended at midnight with no slot left in
        // it while the earliest start (00:50) lay in the next day, so the next day's hours were never searched
        ZoneId zone = hours.timeZone();
        // the evening's hours may go on past midnight (22:00-24:00, then 00:00-02:00): searched to their end, where
        // the search stopped at midnight and a late shift's hours after it were never offered
        Instant endOfItsDay = slots.endOfWorkingDay(earliest);
        // the calculator applies min-lead-time to "now": shift now so that the earliest start is now + preparation
        // (the maximum advance counts from now itself, as a booking's check does; before, ASAP applied none: with a
        // preparation time near it, a start that POST /bookings refuses was booked)
        Instant shiftedNow = earliest.minus(hours.minLeadTime());
        List<TimeRange> free = availability.freeSlotsToBook(earliest, endOfItsDay, duration, shiftedNow, now);
        // the free slots come from FreeBusy (with its retries: seconds to minutes): a slot it answered for may now lie
        // within the preparation time, so each is judged again at the time after it, which the hold counts from too
        Instant checked = now();
        Instant shiftedChecked = checked.plus(properties.asap().preparationTime()).minus(hours.minLeadTime());
        for (TimeRange slot : free) {
            if (!slots.isCandidate(slot.start(), duration, shiftedChecked)) {
                log.debug("ASAP slot {} is within the preparation time by now; trying the next", slot.start());
                continue;
            }
            try {
                return reserve(slot.start().atZone(zone).toOffsetDateTime(), slot, price, request.customer(),
                        request.summary(), request.description(), request.provider(), checked);
            } catch (BookingConflictException taken) {
                log.debug("ASAP slot {} was taken meanwhile; trying the next", slot.start());
            }
        }
        throw new BookingConflictException("No free slot of " + request.durationMinutes() + " minutes is left on "
                + LocalDate.ofInstant(earliest, zone));
    }

    public Booking get(String id) {
        return bookings.find(id).orElseThrow(() -> new NotFoundException("No booking with id " + id));
    }

    public List<Booking> list(Instant from, Instant to, BookingStatus status, String after, int limit) {
        return bookings.list(from, to, status, after, limit);
    }

    /**
     * Records the payment a pending booking now waits for, dated {@code reserved}: its reservation's time, read once
     * for the request (the payment page, which the provider may take a while to make, changes nothing the holds are
     * judged by); answers the booking with its payment URL.
     */
    public Booking paymentStarted(String id, PaymentLink link, Instant reserved) {
        bookings.paymentStarted(id, link.provider(), link.reference(), link.url(), reserved);
        return get(id);
    }

    /** A booking whose payment could not be started frees its slot at once. */
    public void abandon(String id) {
        bookings.transition(id, List.of(BookingStatus.PENDING_PAYMENT), BookingStatus.CANCELLED,
                "payment could not be started", now());
    }

    /**
     * Releases slots whose hold ran out (status EXPIRED) and closes their payment pages, so no one pays for a slot the
     * hub has released; called by the booking-expire-holds route. A run of that singleton route whose instance no
     * longer leads expires no further booking (SingletonLease), and closes the pages of those it expired.
     */
    public int expireHolds(Exchange run) {
        List<Booking> expired = bookings.expireHolds(clock.instant(), SingletonLease.forRun(run));
        if (!expired.isEmpty()) {
            log.info("Released {} expired booking hold(s)", expired.size());
        }
        for (Booking booking : expired) {
            try (var named = BookingMdc.naming(booking.id())) {
                paymentPages.close(booking);
            }
        }
        return expired.size();
    }

    /** "Consultation with" the customer, cut to the 200 characters a summary holds (a name may have 200 itself). */
    public static String defaultSummary(String name) {
        String summary = "Consultation with " + name.strip();
        if (summary.length() <= SUMMARY_MAX) {
            return summary;
        }
        int end = Character.isHighSurrogate(summary.charAt(SUMMARY_MAX - 2)) ? SUMMARY_MAX - 2 : SUMMARY_MAX - 1;
        return summary.substring(0, end) + "\u2026";
    }

    /**
     * A slot bookable at {@code now}: not beyond the maximum advance, in working hours, on the slot grid, and at least
     * the minimum lead time ahead.
     */
    private void bookableAt(OffsetDateTime start, Duration duration, Instant now) {
        BookableStart.require(slots, hours, properties, start, duration, now);
    }

    /**
     * {@code asked}: the slot's start as the caller gave it (ASAP's: in the hub's zone), told in a conflict found under
     * the slot lock as the checks before it tell theirs. Before, the lock's conflict told the start in the hub's zone:
     * one slot, asked as "…T10:00:00Z", was "…T10:00:00Z" or "…T11:00:00+01:00" taken, by which check found it.
     */
    private Booking reserve(OffsetDateTime asked, TimeRange slot, Price price, Customer customer, String summary,
                            String description, String provider, Instant now) {
        ZoneId zone = hours.timeZone();
        Booking booking = Booking.pending(UUID.randomUUID().toString(),
                slot.start().atZone(zone).toOffsetDateTime(), slot.end().atZone(zone).toOffsetDateTime(), price,
                withDefaults(customer),
                summary != null && !summary.isBlank() ? summary : defaultSummary(customer.name()),
                description, payments.providerFor(provider, price.currency()), now.plus(properties.hold()), now);
        bookings.withSlotLock(() -> {
            Instant from = slot.start().minus(hours.buffer());
            Instant to = slot.end().plus(hours.buffer());
            if (slots.conflicts(slot, bookings.activeRanges(from, to, now))) {
                throw conflict(asked);
            }
            bookings.insert(booking, now);
            return null;
        });
        // named before the exchange's step ends (BookingApi sets the property after this returns): before, the line
        // of a booking's creation was the one line of it without its id in the MDC
        try (var named = BookingMdc.naming(booking.id())) {
            log.info("Booking {} created for {} ({} min), hold until {}", booking.id(), booking.start(),
                    booking.durationMinutes(), booking.holdExpiresAt());
        }
        return booking;
    }

    /** Whole seconds: what the API shows is what the database keeps. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private Customer withDefaults(Customer c) {
        String zone = c.timeZone() == null ? hours.timeZone().getId() : c.timeZone();
        if (!ZoneId.getAvailableZoneIds().contains(zone)) {
            throw new ValidationException("'customer.timeZone' is not a known time zone");
        }
        return new Customer(c.name().trim(), c.email().trim(), c.phone(), c.locale() == null ? "en" : c.locale(), zone);
    }

    /** A slot taken, its start in the caller's words (its offset), as a reschedule's conflict tells it. */
    private static BookingConflictException conflict(OffsetDateTime start) {
        return new BookingConflictException("The slot starting " + Rfc3339.format(start) + " is already taken");
    }
}
