package io.connectify.hub.booking;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connectify.hub.booking.BookingRepository.ConfirmedBooking;
import io.connectify.hub.booking.BookingRepository.PaymentRecording;
import io.connectify.hub.calendar.CalendarEvent;
import io.connectify.hub.calendar.EventDeletedException;
import io.connectify.hub.calendar.GoogleCalendarConfig;
import io.connectify.hub.calendar.GoogleCalendarGateway;
import io.connectify.hub.calendar.Rfc3339;
import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.notification.Notification;
import io.connectify.hub.notification.NotificationLog;
import io.connectify.hub.notification.NotificationPlanner;
import io.connectify.hub.ops.cluster.SingletonLease;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.payment.PaymentCommands;
import io.connectify.hub.payment.PaymentPages;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.payment.payrexx.PayrexxConfig;
import io.connectify.hub.payment.stripe.StripeCommands;
import io.connectify.hub.payment.stripe.StripeConfig;
import io.connectify.hub.payment.stripe.StripeRoutes;
import io.connectify.hub.resilience.BookingConflictException;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.DatabaseBusy;
import io.connectify.hub.resilience.DuplicateEventException;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.ProviderException;
import io.connectify.hub.resilience.ValidationException;
import io.connectify.hub.webhook.WebhookHeaders;
import io.connectify.hub.webhook.WebhookMetrics;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The booking saga after payment: confirm (calendar event, then CONFIRMED), payment failed, hold released,
 * cancel (event removed, refund within the cut-off) and reschedule. Every step is safe to repeat: the calendar
 * event id is derived from the booking id (a repeated insert meets Google's 409 duplicate), status changes are
 * conditional (never backwards), and refunds carry an Idempotency-Key per booking and payment. A step that fails
 * throws, so the queued event is redelivered.
 */
@Component("bookingSaga")
public class BookingSaga {

    private static final Logger log = LoggerFactory.getLogger(BookingSaga.class);
    static final String CONFIRMATION = "confirmation";
    static final String CANCELLATION = "cancellation";
    static final String REFUND = "refund";
    static final String PAYMENT_FAILED = "payment-failed";
    static final String RESCHEDULED = "rescheduled";
    /** The notice of a cancelled booking whose refund failed at the provider: cancelled, the refund looked into. */
    static final String REFUND_FAILED_NOTICE = "refund-failed";
    /** The notice of a booking cancelled while its payment is disputed (or the dispute lost): the dispute settles it. */
    static final String CANCELLATION_DISPUTED = "cancellation-disputed";
    /**
     * The notice of a payment refunded for a booking never confirmed (refundNotice): the payment was given back, the
     * booking not confirmed; "refund" tells of a confirmed booking cancelled and refunded.
     */
    static final String PAYMENT_REFUNDED = "payment-refunded";
    /**
     * The notice of a confirmed booking cancelled in time that has no payment reference to refund by
     * (cancellationNotice); "cancellation" tells of one cancelled after the refund cut-off.
     */
    static final String CANCELLATION_UNREFUNDED = "cancellation-unrefunded";
    /**
     * The notice of a confirmed booking cancelled in time while a refund of its payment made outside the hub was under
     * way at the provider ({@link #CANCELLED_REFUND_OUTSIDE}): cancelled, that refund pays the customer back. Not
     * "cancellation-unrefunded" ("contact us to have it paid back"): the provider is paying them back already.
     */
    static final String CANCELLATION_REFUND_OUTSIDE = "cancellation-refund-outside";
    /**
     * The notice of a confirmed booking cancelled in time whose payment the provider had refunded in full outside the
     * hub already ({@link #CANCELLED_REFUNDED_OUTSIDE}): cancelled, paid back already, nothing to do. Not
     * "cancellation-refund-outside" (a refund "under way"), nor "cancellation-unrefunded" ("contact us").
     */
    static final String CANCELLATION_REFUNDED_OUTSIDE = "cancellation-refunded-outside";
    /**
     * The notice of a confirmed booking cancelled in time part of whose payment the provider had refunded outside the
     * hub, the amount not given ({@link #CANCELLED_PART_REFUNDED_OUTSIDE}): cancelled, part paid back already, the rest
     * refunded by the consultancy (a person, marked to).
     */
    static final String CANCELLATION_PART_REFUNDED_OUTSIDE = "cancellation-part-refunded";
    /**
     * The notice of a confirmed booking cancelled after the refund cut-off part of whose payment the provider had
     * refunded outside the hub ({@link #CANCELLED_LATE}, the part after it): cancelled, part paid back already, and
     * nothing said of the rest, which no one owes (not "cancellation": "the payment is not refunded", nor
     * "cancellation-part-refunded": "we refund the rest").
     */
    static final String CANCELLATION_LATE_PART_REFUNDED = "cancellation-late-part-refund";
    /**
     * The notice of a booking cancelled whose refund could not be made yet (the provider down, or refusing the call):
     * cancelled, the refund being made and told once it is (notifyRefundPending). Then "refund" (or
     * "payment-refunded") once a retry makes it, or "refund-failed" once the retries end (endRefundRetries).
     */
    static final String CANCELLATION_REFUND_PENDING = "cancellation-refund-pending";
    /**
     * The notice of a payment refunded because it cannot pay for its booking (below the price, in another currency):
     * one per payment (its amount, currency and reference the occasion), telling what the booking is now (waiting for a
     * payment until its hold ends, or no longer held: NotificationTemplates).
     */
    static final String PAYMENT_MISMATCH = "payment-mismatch";
    /**
     * Every kind of notice the saga plans (NotificationPlanner.forBooking's kind): the texts of each are checked at
     * start, in every language the bundle has (NotificationTemplateCheck). A new kind belongs here.
     */
    public static final List<String> NOTICE_KINDS = List.of(CONFIRMATION, CANCELLATION, REFUND, PAYMENT_FAILED,
            RESCHEDULED, REFUND_FAILED_NOTICE, CANCELLATION_DISPUTED, PAYMENT_REFUNDED, CANCELLATION_UNREFUNDED,
            CANCELLATION_REFUND_OUTSIDE, CANCELLATION_REFUNDED_OUTSIDE, CANCELLATION_PART_REFUNDED_OUTSIDE,
            CANCELLATION_LATE_PART_REFUNDED, CANCELLATION_REFUND_PENDING, PAYMENT_MISMATCH);
    /**
     * The kinds of notice logged only once their booking is CANCELLED or REFUNDED, after which nothing moves it (a move
     * needs a confirmed booking): a move of it logged at the same moment came before such a notice
     * (NotificationLog#movedSince).
     */
    public static final Set<String> TOLD_ONCE_CANCELLED = Set.of(CANCELLATION, CANCELLATION_UNREFUNDED,
            CANCELLATION_DISPUTED, CANCELLATION_REFUND_OUTSIDE, CANCELLATION_REFUNDED_OUTSIDE,
            CANCELLATION_PART_REFUNDED_OUTSIDE, CANCELLATION_LATE_PART_REFUNDED, CANCELLATION_REFUND_PENDING, REFUND,
            PAYMENT_REFUNDED, REFUND_FAILED_NOTICE);
    /** The status reason of a confirmed booking cancelled after the refund cut-off. */
    static final String CANCELLED_LATE = "cancelled after the refund cut-off: not refunded";
    /**
     * How the status reason of a confirmed booking cancelled in time while a refund of its payment made outside the
     * hub was under way at the provider (Payrexx's refund_pending) begins: the hub refunds nothing (that refund pays
     * the customer back, and names no amount: what is left, if anything, a person refunds), the refund's note after it.
     */
    static final String CANCELLED_REFUND_OUTSIDE =
            "cancelled while a refund the hub did not make was pending: not refunded by the hub";
    /**
     * How the status reason of a confirmed booking cancelled in time begins whose payment the provider (Payrexx's
     * refunded delivery, its amount recorded) had refunded in full outside the hub already: nothing is left to refund,
     * so the hub asks for no refund (Payrexx would refuse it); the refund's note after it.
     */
    static final String CANCELLED_REFUNDED_OUTSIDE =
            "cancelled after its payment was refunded in full outside the hub: nothing left to refund";
    /**
     * How the status reason of a confirmed booking cancelled in time begins part of whose payment the provider had
     * refunded outside the hub (Payrexx's partially-refunded, which names no amount): the hub cannot tell what is left,
     * so it refunds nothing (a refund of the whole would be refused) and a person refunds the rest; the part's note
     * after it.
     */
    static final String CANCELLED_PART_REFUNDED_OUTSIDE =
            "cancelled after part of its payment was refunded outside the hub: the rest not refunded by the hub";
    /** The status reason of a confirmed booking cancelled in time without a payment reference to refund it by. */
    static final String CANCELLED_NO_REFERENCE = "cancelled";
    /** The status reason of a paid booking cancelled before its confirmation whose refund is still to make. */
    public static final String CANCELLED_UNCONFIRMED = "cancelled before its confirmation: refund pending";
    static final String REFUNDED_UNCONFIRMED = "cancelled before its confirmation: refunded";
    private static final Set<String> UNCONFIRMED_REASONS = Set.of(CANCELLED_UNCONFIRMED, REFUNDED_UNCONFIRMED);
    /** The status reason of a confirmed booking cancelled in time whose refund is still to make. */
    static final String CANCELLED_CONFIRMED = "cancelled: refund pending";
    static final String REFUNDED_CONFIRMED = "cancelled and refunded";
    /** The status reasons of cancelled bookings whose refund is still to make (the retry sweep's, the gauge's). */
    public static final List<String> REFUND_PENDING = List.of(CANCELLED_UNCONFIRMED, CANCELLED_CONFIRMED);
    /**
     * How the status reason of a booking cancelled before its confirmation begins once a person recorded its pending
     * refund as settled by hand (RefundSettledByHandApi), their note after it; CANCELLED still, no refund pending.
     */
    static final String SETTLED_BY_HAND_UNCONFIRMED = "cancelled before its confirmation: refund settled by hand";
    /** The same for a confirmed booking cancelled in time. */
    static final String SETTLED_BY_HAND_CONFIRMED = "cancelled: refund settled by hand";
    /**
     * What the status reason of a booking whose refund was settled by hand says (after "refunded by &lt;provider&gt;")
     * once the hub's own refund, whose answer was lost, went through at the provider after all ({@link #paidTwice}).
     */
    private static final String PAID_TWICE = " after the refund was settled by hand: the customer was paid back twice";
    /** How the status reason of a booking whose refund failed after it was made begins. */
    private static final String REFUND_FAILED = "the refund failed at the provider";
    static final String PAID_AFTER_ITS_START = "paid after its start: refunded";
    private static final String PAID_AFTER_SLOT_TAKEN = "slot taken before the payment arrived";
    private static final String PAID_AFTER_CANCEL = "paid after it was cancelled: refunded";
    /** How the status reason of a booking whose payment the provider had refunded before the hub confirmed it begins. */
    private static final String RETURNED_UNCONFIRMED = "paid, then refunded at ";
    /** The provider's status of a disputed payment, as a payment left for a person says it "arrived disputed". */
    private static final String DISPUTED_STATUS = "disputed";
    /** How a disputed payment's status reason begins (paymentDisputed). */
    private static final String DISPUTED = "the customer disputes the payment";
    /** How a lost dispute's status reason begins (paymentDisputeClosed): the bank has taken the payment back. */
    private static final String DISPUTE_LOST = "the payment dispute was lost";
    static final String CANCELLED_DISPUTED = "cancelled while its payment is disputed: not refunded, the dispute decides";
    static final String CANCELLED_DISPUTE_LOST = "cancelled after its payment dispute was lost: nothing to refund";
    /** How the status reason of a booking cancelled whose pending refund a dispute of its payment stopped begins. */
    private static final String REFUND_STOPPED = "cancelled, its refund stopped: ";
    /** The status reason of such a booking once its dispute was lost: the bank has taken the payment back. */
    static final String REFUND_STOPPED_DISPUTE_LOST = REFUND_STOPPED
            + "the payment dispute was lost, nothing left to refund";
    /** Payrexx's status of a refund under way, not yet made. */
    private static final String REFUND_UNDER_WAY = "refund_pending";
    private static final List<BookingStatus> PAYABLE = BookingRepository.PAYABLE;

    private final BookingRepository bookings;
    private final GoogleCalendarGateway calendar;
    private final AvailabilityService availability;
    private final SlotCalculator slots;
    private final AvailabilityProperties hours;
    private final PaymentProperties payments;
    private final PaymentPages paymentPages;
    private final BookingProperties properties;
    private final EventChangeTimeout changeTimeout;
    private final ProducerTemplate template;
    private final NotificationLog notifications;
    private final NotificationPlanner planner;
    private final CalendarEventFlags eventFlags;
    private final WebhookMetrics metrics;
    private final Clock clock;

    public BookingSaga(BookingRepository bookings, GoogleCalendarGateway calendar, AvailabilityService availability,
                       SlotCalculator slots, AvailabilityProperties hours,
                       PaymentProperties payments, PaymentPages paymentPages, BookingProperties properties,
                       EventChangeTimeout changeTimeout, ProducerTemplate template, NotificationLog notifications,
                       NotificationPlanner planner, WebhookMetrics metrics, CalendarEventFlags eventFlags,
                       @BookingClock Clock clock) {
        this.bookings = bookings;
        this.calendar = calendar;
        this.availability = availability;
        this.slots = slots;
        this.hours = hours;
        this.payments = payments;
        this.paymentPages = paymentPages;
        this.properties = properties;
        this.changeTimeout = changeTimeout;
        this.template = template;
        this.notifications = notifications;
        this.planner = planner;
        this.metrics = metrics;
        this.eventFlags = eventFlags;
        this.clock = clock;
    }

    /** The calendar event id of a booking: its UUID's hex digits, which are valid base32hex, with a prefix. */
    public static String eventIdFor(String bookingId) {
        return "bk" + UUID.fromString(bookingId).toString().replace("-", "");
    }

    /**
     * A provider confirmed a payment for a booking. The payment is recorded first, while the booking still holds
     * its slot (or, its hold run out, the slot is still free): from then on nothing but this confirmation moves the
     * booking, however long the calendar takes. A payment that pays for nothing (the slot was taken meanwhile, the
     * booking was cancelled or already paid by another payment, or it pays less than the price or in another
     * currency) is refunded; one whose currency is not known is left for a person ({@link #wrongCurrency}). A Stripe
     * payment disputed before it was recorded ({@link #disputedBeforeItsPayment}) is never refunded: one that cannot
     * pay is left for a person, as the dispute left it. False when the event changed nothing and needs no record: the
     * booking is unknown.
     */
    public boolean confirmPayment(@Header(WebhookHeaders.BOOKING_ID) String bookingId,
                               @Header(WebhookHeaders.PROVIDER) String provider,
                               @Header(WebhookHeaders.PAYMENT_REFERENCE) String paymentReference,
                               @Header(WebhookHeaders.PAID_AMOUNT) Long paidAmount,
                               @Header(WebhookHeaders.PAID_CURRENCY) String paidCurrency) {
        Booking booking = known(bookingId);
        if (booking == null) {
            log.info("Payment for booking {} ignored: unknown", bookingId);
            return false;
        }
        if (disputedBeforeItsEvent(booking, provider, paymentReference)) {
            return confirmDisputedPayment(booking, provider, paymentReference, paidAmount, paidCurrency);
        }
        return confirmPayment(booking, provider, paymentReference, paidAmount, paidCurrency, now(), null);
    }

    /**
     * Whether a Stripe payment's event is of a payment disputed before the hub recorded it (every such payment of the
     * booking, V33, marked by {@link #disputedBeforeItsPayment}; asked only of a booking whose row has V29's mark):
     * Stripe's payment events say nothing of a dispute, as a Payrexx transaction fetched does.
     */
    private boolean disputedBeforeItsEvent(Booking booking, String provider, String paymentReference) {
        return StripeConfig.PROVIDER.equals(provider) && bookings.disputeSeenBeforePayment(booking, paymentReference);
    }

    /**
     * The event of a Stripe payment disputed before it was recorded. Not recorded on the booking yet (its dispute
     * found it unable to pay for the booking, and left it for a person): confirmed only where it pays for the booking
     * now (its slot free again, say), else left for a person as the dispute left it (the same note, not added again),
     * never refunded. Before, it was refunded here as any payment that cannot pay, so the customer was paid back twice
     * (the refund and the chargeback), or Stripe refused to refund a disputed charge. Recorded already (by its
     * dispute, or by an earlier run of this event), it is a repeat, judged as it was when recorded. Either way, a
     * booking it pays for with no dispute stored yet (confirmed just now, or a run that failed before storing it) has
     * the dispute stored open and, confirmed, added to its reason, as a dispute of a confirmed booking is (the
     * Dispute's reason not known here), so a cancel in time refunds nothing while it is open.
     */
    private boolean confirmDisputedPayment(Booking booking, String provider, String paymentReference, Long paidAmount,
                                           String paidCurrency) {
        boolean recorded = booking.paid() && paymentReference.equals(booking.paymentReference());
        if (!recorded && !awaitsAPayment(booking)) {
            // a second payment (another paid the booking) or one of a booking cancelled, disputed before this event:
            // left for a person as its dispute left it (the same note, not added again), never refunded (before, it
            // was refunded here as any payment that pays for nothing, into a chargeback)
            return leftForAPerson(booking, paidBy(booking, provider, paymentReference,
                    paidAmount == null ? booking.amount() : paidAmount), DISPUTED_STATUS, notPayable(booking), now());
        }
        if (!recorded) {
            log.warn("Booking {} ({}): {} payment {} was disputed before the hub recorded it: confirmed only where it "
                    + "pays for the booking, never refunded", booking.id(), booking.status(), provider,
                    paymentReference);
        }
        boolean acted = confirmPayment(booking, provider, paymentReference, paidAmount, paidCurrency, now(),
                recorded ? null : DISPUTED_STATUS);
        // none stored: an outcome (won, an inquiry closed) stored since is never taken back to open
        if (bookings.disputeStatus(booking.id()).isEmpty()
                && recordDispute(booking.id(), paymentReference, DisputeStatus.OPEN)
                && markConfirmedKeeping(booking.id(), DISPUTED + ": answer the dispute at " + provider
                + " before its deadline", null)) {
            log.error("Booking {}: confirmed by {} payment {}, which the customer disputes: answer the dispute at {} "
                    + "before its deadline", booking.id(), provider, paymentReference, provider);
        }
        return acted;
    }

    /**
     * {@link #confirmPayment}, deciding on one instant, {@code now}, but for whether the appointment has begun, which
     * is asked again after each slow Google call (FreeBusy and the slot lock, then the event's insert: minutes, with
     * retries), so that no booking is confirmed after its start. {@code heldStatus}: null, a payment that pays for
     * nothing is refunded; else the provider's status of a payment never to be refunded here (disputed, partly
     * refunded), which is then left for a person ({@link #leftForAPerson}) instead, whatever the instant.
     */
    private boolean confirmPayment(Booking booking, String provider, String paymentReference, Long paidAmount,
                                   String paidCurrency, Instant now, String heldStatus) {
        String bookingId = booking.id();
        long paid = paidAmount == null ? booking.amount() : paidAmount;
        Booking payment = paidBy(booking, provider, paymentReference, paid);
        // recorded by an earlier run of this payment, which may have made its event before it failed
        boolean eventMayBeMade = waitsForItsConfirmation(booking, payment);
        // a payment recorded on the booking already (a repeat, a dead letter replayed) was judged when it was recorded
        String wrongCurrency = recordedOn(booking, payment) ? null : wrongCurrency(booking, paidCurrency);
        if (wrongCurrency != null) {
            // before the amount: an amount in another currency says nothing about the price
            return paidInAnotherCurrency(booking, payment, paidCurrency, wrongCurrency, now, heldStatus);
        }
        if (payment.paidAmount() < booking.amount()) {
            if (heldStatus != null) {
                return leftForAPerson(booking, payment, heldStatus,
                        "it paid " + payment.paidAmount() + " of the price " + booking.amount(), now);
            }
            log.warn("Booking {} was paid {} of its price {} {}: refunding the payment", bookingId,
                    payment.paidAmount(), booking.amount(), booking.currency());
            refundUnused(payment);
            notifyMismatchRefunded(payment, booking.currency());
            return true;
        }
        if (heldStatus != null && begun(booking, now)) {
            return leftForAPersonAsBegun(booking, payment, heldStatus, now, eventMayBeMade);
        }
        Instant[] securedAt = {null};
        PaymentRecording recorded = secure(booking, payment, now, securedAt);
        if (!recorded.recorded()) {
            return heldStatus != null ? leftForAPerson(booking, payment, heldStatus, "its slot was taken", now)
                    : settleUnused(bookings.find(bookingId).orElseThrow(), payment, now);
        }
        // a payment of the booking seen refunded before one was recorded (a charge.refunded handled first, of this
        // payment or another): this payment's refunds looked up now, outside any row lock (a failed look-up fails this
        // event, redelivered as any provider failure); refunded in full, the booking is never confirmed. The mark as
        // the payment's recording found it, not as the booking was read above: a charge.refunded may have marked it
        // in between (it cannot after: the mark needs the booking unpaid)
        List<StripeCommands.RefundResult> seenRefunded = refundsSeenBefore(recorded.refundSeenBeforePayment(),
                payment);
        if (seenRefunded != null && StripeCommands.RefundResult.refundedBy(seenRefunded) >= payment.paidAmount()) {
            return refundedBeforeItsConfirmation(bookingId, payment, seenRefunded, eventMayBeMade, now);
        }
        // read again for this check only: the start may have passed while FreeBusy and the slot lock were awaited. The
        // slot lock's reading where the payment was recorded under it (after FreeBusy; each reading is a statement),
        // unless Stripe was asked since; a start passed while the lock itself was awaited is found after the insert
        Instant checked = securedAt[0] != null && seenRefunded == null ? securedAt[0] : now();
        if (begun(booking, checked)) {
            // a paid booking's start passed before this payment was handled, or while its slot was checked
            return heldStatus != null ? leftForAPersonAsBegun(booking, payment, heldStatus, checked, eventMayBeMade)
                    : refundUnconfirmedPastItsStart(bookingId, checked);
        }
        String eventId = eventIdFor(bookingId);
        try {
            calendar.insert(new CalendarEvent(eventId, booking.summary(), description(booking), booking.start(),
                    booking.end(), null, Map.of("bookingId", bookingId, "paymentProvider", provider,
                    "paymentReference", nullToEmpty(payment.paymentReference()),
                    "amount", Long.toString(payment.paidAmount()), "currency", booking.currency()), null));
        } catch (DuplicateEventException alreadyCreated) {
            log.info("Calendar event {} of booking {} already exists", eventId, bookingId);
        }
        // and again once the event is made (the insert's retries): confirmed now, a booking whose start has passed
        // would tell its customer of an appointment that has begun
        Instant made = now();
        if (begun(booking, made)) {
            return begunWhileItsEventWasMade(booking, payment, eventId, made, heldStatus);
        }
        if (bookings.confirm(bookingId, eventId, provider, payment.paymentReference(), payment.paidAmount(), made)) {
            log.info("Booking {} confirmed (calendar event {})", bookingId, eventId);
        } else {
            Booking current = bookings.find(bookingId).orElseThrow();
            if (cancelledUnconfirmed(current, payment) || stoppedUnconfirmed(current, payment)
                    || settledUnconfirmed(current, payment)) {
                // cancelled while the event was being made: the event just made goes (a failure retries this run),
                // the refund made (none where a dispute stopped it or a person settled it by hand)
                log.info("Booking {} was cancelled while being confirmed: removing its calendar event", bookingId);
                removeEvent(current, eventId);
                settleCancelled(bookingId);
                return true;
            }
            if (returnedUnconfirmed(current, payment.paymentReference())) {
                // the provider refunded it while the event was being made: the event just made goes (a failure
                // retries this run)
                log.info("Booking {} was refunded at {} while being confirmed: removing its calendar event",
                        bookingId, provider);
                removeEvent(current, eventId);
                return true;
            }
            if (current.status() != BookingStatus.CONFIRMED) {
                // nothing else moves a paid booking; should something, the event is retried, then kept
                throw new IllegalStateException("Booking " + bookingId + " left PENDING_PAYMENT while being confirmed");
            }
        }
        if (payment.paidAmount() > booking.amount()) {
            paidOverPrice(booking, payment, heldStatus);
        }
        notifyOnce(bookingId, CONFIRMATION);
        if (seenRefunded != null) {
            refundedInPartBefore(bookingId, payment, seenRefunded);
        }
        return true;
    }

    /**
     * A confirmed booking's payment above its price (one made outside the hub: a Dashboard payment, a Payment Link
     * naming the booking; the hub's own Checkout asks the price): the customer paid at least the price, so the
     * booking stands, and the excess is left for a person to refund, never refunded by the hub (a refund of it could
     * not tell one a person made already, nor its own later failure from another refund's): its statusReason "paid
     * 12000, the price is 9000: 3000 over it not refunded", marked for a person ("...: refund 3000 at stripe"), logged
     * as a WARN and counted (connectify_payments_over_price_total). Read and written under the booking's row lock,
     * only while it is CONFIRMED (a cancel in between gets no mark). Once per booking: a reason saying so already (a
     * repeat of the payment, {@link #settleUnused}, which makes a mark its first run failed before) does nothing
     * again. Before, the excess was kept, the booking confirmed with nothing said.
     */
    private void paidOverPrice(Booking booking, Booking payment, String heldStatus) {
        String id = booking.id();
        String provider = payment.provider();
        long excess = payment.paidAmount() - booking.amount();
        String head = overPriceHead(payment.paidAmount(), booking.amount());
        String why = head + excessNotRefunded(excess);
        // a held payment (disputed, partly refunded) may have been refunded in part already: the person checks first
        String note = why + ": " + (heldStatus != null ? "its payment is " + heldStatus + ", check what it refunds "
                + "already, then " : "") + "refund " + excess + " at " + provider;
        boolean[] marked = {false};
        bookings.withBookingLock(id, () -> bookings.find(id).ifPresent(current -> {
            if (current.status() != BookingStatus.CONFIRMED || says(current.statusReason(), head)) {
                return;
            }
            Instant now = now();
            if (bookings.transition(id, List.of(BookingStatus.CONFIRMED), BookingStatus.CONFIRMED,
                    keeping(current.statusReason(), why), now)) {
                bookings.needsAttention(id, note, now);
                marked[0] = true;
            }
        }));
        if (!marked[0]) {
            return;
        }
        log.warn("Booking {} was paid {} by {} payment {}, its price is {} {}: confirmed, the {} over it not refunded: "
                + "marked for a person", id, payment.paidAmount(), provider, payment.paymentReference(),
                booking.amount(), booking.currency(), excess);
        metrics.paidOverPrice(provider);
    }

    /** How the status reason's part of a payment above its price begins ({@link #paidOverPrice}). */
    private static String overPriceHead(long paid, long price) {
        return "paid " + paid + ", the price is " + price + ": ";
    }

    /** That part, after its head, while none of the excess is refunded (as {@link #paidOverPrice} wrote it). */
    private static String excessNotRefunded(long excess) {
        return excess + " over it not refunded";
    }

    /** What a paid booking's payment paid above its price (its excess, {@link #paidOverPrice}); 0 for none. */
    private static long overPrice(Booking current) {
        return current.paid() ? Math.max(0, current.paidAmount() - current.amount()) : 0;
    }

    /**
     * A booking paid above its price whose payment {@code provider} shows {@code outside} refunded outside the hub
     * (Stripe's charge.refunded, unmarked refunds; under the booking's row lock, the caller's): refunds that total
     * exactly the excess are what a person was asked to refund ("refund 3000 at stripe"), the excess settled, not a
     * refund that puts the appointment in doubt ({@link #isTheExcess}). Its status reason's part of the excess
     * ({@link #paidOverPrice}) says so ("3000 over it refunded at stripe") and the mark's note asking for it leaves the
     * mark (cleared when nothing else is left in it). Any other total (none, less, more: a refund for another reason,
     * told as a refund outside the hub by the caller) leaves the excess not refunded: a part back to "not refunded",
     * and, should the excess have been settled before (that refund failed since, or another came), marked again, the
     * note naming what the provider shows refunded so that a person checks before refunding the excess. The excess from
     * the booking's paid amount and price, both stored (not from the reason's text, which the column's 200 characters
     * may cut); the reason changed only where it still has that part whole (a cancel's reason replaced it). Answers
     * what it found, for the log; null for a booking not paid above its price.
     */
    private String excessRefunded(String id, String provider, long outside, Instant now) {
        Booking current = bookings.find(id).orElseThrow();
        long excess = overPrice(current);
        if (excess <= 0) {
            return null;
        }
        // the whole payment refunded (an operator's through POST /payments/refunds, say): the excess went back with it
        boolean settled = isTheExcess(current, outside) || outside >= current.paidAmount();
        String head = overPriceHead(current.paidAmount(), current.amount());
        String notRefunded = head + excessNotRefunded(excess);
        String refunded = head + excess + " over it refunded at " + provider;
        String part = settled ? refunded : notRefunded;
        String old = current.statusReason();
        List<String> parts = new ArrayList<>(old == null ? List.of() : List.of(old.split("; ")));
        int at = -1;
        for (int i = 0; i < parts.size() && at < 0; i++) {
            // a whole part of the excess: one the column's cut ends within is left as it is
            String said = parts.get(i);
            at = said.equals(notRefunded) || said.startsWith(head) && said.endsWith(" over it refunded at " + provider)
                    ? i : -1;
        }
        boolean wasRefunded = at >= 0 && !parts.get(at).equals(notRefunded);
        if (at >= 0 && !parts.get(at).equals(part)) {
            parts.set(at, part);
            String reason = String.join("; ", parts);
            bookings.transition(id, List.of(current.status()), current.status(),
                    reason.length() <= 200 ? reason : reason.substring(0, 200), now);
        }
        if (settled) {
            excessNoteDone(current);
        } else if (wasRefunded) {
            bookings.needsAttention(id, notRefunded + ": " + (outside > 0 ? provider + " shows " + outside
                    + " refunded outside the hub, check what it refunds already, then " : "") + "refund " + excess
                    + " at " + provider, now);
        }
        return isTheExcess(current, outside) ? refunded + " (the excess a person was asked to refund): not a refund "
                + "outside the hub, nothing counted, its mark's note settled" : part;
    }

    /**
     * The note of a booking paid above its price asking a person to refund the excess ({@link #paidOverPrice},
     * whichever way it was worded: a held payment's or not) leaves its mark, cleared when nothing else is left in it:
     * the excess was refunded, or it goes back with the whole payment (a cancel in time refunds that in full, a lost
     * dispute took it back), after which the note asked for a refund that can no longer be made. Nothing for a
     * booking not paid above its price. Under the booking's row lock (the caller's).
     */
    private void excessNoteDone(Booking current) {
        long excess = overPrice(current);
        if (excess > 0) {
            bookings.attentionNotesDone(current.id(),
                    overPriceHead(current.paidAmount(), current.amount()) + excessNotRefunded(excess) + ": ");
        }
    }

    /**
     * A booking paid above its price whose payment's dispute is lost: the bank took {@code disputed} back (the
     * Dispute's amount: usually the whole charge, less when only part of it was disputed), the excess first, after
     * what the payment's refunds outside the hub paid back already (the amount its last charge.refunded showed, as
     * recorded: V24 refunded_outside_amount). What the hub still holds above the price is the customer's: the note
     * asking for the excess names that ("stripe shows 1000 refunded outside the hub and the lost dispute took 1000
     * back: refund 1000 at stripe"; with no such refund "the lost dispute took 1000 back: refund 2000 at stripe"), or
     * leaves the mark (cleared when nothing else is left in it) once refunds and dispute took at least the excess.
     * Before, the dispute alone was counted, and a part already refunded was asked for again. Under the booking's row
     * lock (the caller's). A dispute event without its amount (one queued before this version) leaves the note as it
     * is, for a person.
     */
    private void excessAfterLostDispute(Booking current, long disputed) {
        long excess = overPrice(current);
        if (excess <= 0 || disputed <= 0) {
            return;
        }
        excessNoteDone(current);
        long refunded = bookings.refundedOutsideAmount(current.id()).orElse(0L);
        long left = excess - refunded - disputed;
        if (left > 0) {
            bookings.needsAttention(current.id(), overPriceHead(current.paidAmount(), current.amount())
                    + excessNotRefunded(excess) + ": " + (refunded > 0 ? current.provider() + " shows " + refunded
                    + " refunded outside the hub and " : "") + "the lost dispute took " + disputed + " back: refund "
                    + left + " at " + current.provider(), now());
        }
    }

    /**
     * Whether refunds outside the hub totalling {@code outside} are the booking's excess over its price refunded as its
     * mark asked ({@link #paidOverPrice}): exactly that amount. A total up to it is not taken for it: a person's refund
     * for another reason (goodwill 3000 on a 12000 payment of a 9000 booking) cleared the excess's note, and nobody
     * refunded the excess.
     */
    private static boolean isTheExcess(Booking current, long outside) {
        return outside > 0 && outside == overPrice(current);
    }

    /**
     * The refunds of the booking's payment, looked up at Stripe (a failure fails the event), when a payment of the
     * booking was seen refunded before one was recorded on it (V25 refund_seen_at, set by
     * {@link #paymentRefundedOutside}) and that was not acted on yet ({@code marked}: as the booking's row was read
     * once this payment was recorded on it, or by the update that recorded it; no query of its own); null when none
     * was. Whichever payment was seen: the mark keeps one payment only, and a later charge.refunded of another payment
     * of the booking (a second Checkout attempt refunded by hand, a short payment the hub refunded) replaces it, so
     * this payment's own refunds decide. A Stripe payment only: the refunds are Stripe's.
     */
    private List<StripeCommands.RefundResult> refundsSeenBefore(boolean marked, Booking payment) {
        return marked && StripeConfig.PROVIDER.equals(payment.provider()) && payment.paymentReference() != null
                ? refundsOf(payment.paymentReference()) : null;
    }

    /**
     * A payment seen refunded before it was recorded, refunded in full: handled as a charge.refunded of a booking
     * waiting for its confirmation ({@link #recordOutside}): REFUNDED, never confirmed, no calendar event, its
     * customer told of the refund once, marked for a person for a part refunded outside the hub. An event an earlier
     * run of this payment may have made (refunded less then) goes. Should the booking have moved meanwhile (a cancel),
     * it is settled as any repeat of its payment.
     */
    private boolean refundedBeforeItsConfirmation(String bookingId, Booking payment,
                                                  List<StripeCommands.RefundResult> refunds, boolean eventMayBeMade,
                                                  Instant now) {
        String provider = payment.provider();
        Outside found = recordOutside(bookingId, provider, payment.paymentReference(),
                StripeCommands.RefundResult.refundedBy(refunds), payment.paidAmount(), refunds);
        if (!found.returned()) {
            // the booking moved meanwhile (a cancel): what was recorded on it (a note, say) is logged and counted as a
            // charge.refunded's is, then the payment is settled as any repeat of it
            reportOutside(bookingId, provider, payment.paymentReference(), found);
            bookings.refundSeenActedOn(bookingId);
            return settleUnused(bookings.find(bookingId).orElseThrow(), payment, now);
        }
        if (found.changed()) {
            log.warn("Booking {}: payment {} was refunded at {} before the hub recorded it: REFUNDED, not confirmed, "
                    + "its customer told of the refund", bookingId, payment.paymentReference(), provider);
        } else {
            log.info("Booking {}: payment {} was refunded at {} before the hub recorded it; the booking is REFUNDED "
                    + "already", bookingId, payment.paymentReference(), provider);
        }
        if (found.note() != null) {
            log.warn("Booking {}: {} (payment {}); marked for a person", bookingId, found.note(),
                    payment.paymentReference());
            metrics.refundedOutsideHub(provider);
        }
        // cleared with the change to REFUNDED (refundedUnconfirmed); again here should the booking have been so already
        bookings.refundSeenActedOn(bookingId);
        if (eventMayBeMade) {
            removeEvent(payment, eventIdFor(bookingId));
        }
        return true;
    }

    /**
     * A payment seen refunded before it was recorded, refunded in part, its booking confirmed now: the part refunded
     * outside the hub recorded as its charge.refunded records it on a confirmed booking ({@link #recordOutside}: the
     * reason, the mark for a person, counted once per amount), then the mark of V25 cleared. A repeat of the payment
     * (this failing after the confirmation) does it then ({@link #settleUnused}).
     */
    private void refundedInPartBefore(String bookingId, Booking payment, List<StripeCommands.RefundResult> refunds) {
        String provider = payment.provider();
        Outside found = recordOutside(bookingId, provider, payment.paymentReference(),
                StripeCommands.RefundResult.refundedBy(refunds), payment.paidAmount(), refunds);
        if (found.note() != null) {
            log.warn("Booking {}: {} (payment {}, refunded before the hub recorded it); the hub refunds and cancels "
                    + "nothing: marked for a person", bookingId, found.note(), payment.paymentReference());
            metrics.refundedOutsideHub(provider);
        }
        bookings.refundSeenActedOn(bookingId);
    }

    /**
     * A payment first handled once the provider shows it disputed or partly refunded (a Payrexx confirmed delivery
     * handled late): confirmed as {@link #confirmPayment} confirms it, but only where it can pay for the booking (the
     * full price in the booking's currency, the appointment not begun, the slot held or still free). Never refunded
     * here: a disputed payment refunded is paid back twice (the refund and the chargeback), and a partly refunded one
     * cannot be refunded in full. Otherwise the booking keeps its status, neither confirmed nor refunded, its
     * statusReason saying so for a person (logged as a warning). False when the booking is unknown.
     */
    public boolean confirmPaymentIfItPays(@Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                          @Header(WebhookHeaders.PROVIDER) String provider,
                                          @Header(WebhookHeaders.PAYMENT_REFERENCE) String paymentReference,
                                          @Header(WebhookHeaders.PAID_AMOUNT) Long paidAmount,
                                          @Header(WebhookHeaders.PAID_CURRENCY) String paidCurrency,
                                          @Header(WebhookHeaders.PAYMENT_STATUS) String status) {
        Booking booking = known(bookingId);
        if (booking == null) {
            log.info("Payment for booking {} ignored: unknown", bookingId);
            return false;
        }
        // one instant for every check, the begun one read again only within it (after FreeBusy and the slot lock,
        // then the event's insert: minutes, with retries), where it leaves the payment for a person: were it handed
        // to the public confirmPayment, which reads the time anew, a start passed meanwhile refunded the payment
        return confirmPayment(booking, provider, paymentReference, paidAmount, paidCurrency, now(),
                Objects.requireNonNullElse(status, "unknown"));
    }

    /**
     * Why a payment in {@code paidCurrency} cannot pay for the booking: "it paid in JPY, the booking is priced in
     * CHF" (compared case-insensitively: Stripe writes currencies lower case), "its currency is not known"; null when
     * it is the booking's. An amount in another currency is no price paid (9000 JPY is about 50 CHF). Unknown: every
     * event the hub confirms a payment by carries it (Stripe's Checkout Session and Payment Intent always have
     * {@code currency}, read from the queued body when an event queued before the hub read it has no header; a Payrexx
     * transaction is fetched when its event is handled, and the API names its currency), so one without it is taken
     * for neither the booking's (it could be any) nor another's (a refund on a guess): it is left for a person.
     */
    private static String wrongCurrency(Booking booking, String paidCurrency) {
        if (paidCurrency == null || paidCurrency.isBlank()) {
            return "its currency is not known";
        }
        return paidCurrency.strip().equalsIgnoreCase(booking.currency()) ? null : "it paid in "
                + paidCurrency.strip().toUpperCase(java.util.Locale.ROOT) + ", the booking is priced in "
                + booking.currency();
    }

    /**
     * A payment in another currency than the booking's (or in one not known): never confirms it. Refunded as a payment
     * below the price is, its customer told once the refund is made, the booking left waiting for its payment (its
     * statusReason says why, while it has none);
     * one never refunded here ({@code heldStatus}), or whose currency is not known, is left for a person instead.
     */
    private boolean paidInAnotherCurrency(Booking booking, Booking payment, String paidCurrency, String why,
                                          Instant now, String heldStatus) {
        if (heldStatus != null || paidCurrency == null || paidCurrency.isBlank()) {
            return leftForAPerson(booking, payment, heldStatus != null ? heldStatus : "paid", why, now);
        }
        String currency = paidCurrency.strip().toUpperCase(java.util.Locale.ROOT);
        log.warn("Booking {} was paid {} {}, but its price is {} {}: another currency, refunding the payment",
                booking.id(), payment.paidAmount(), currency, booking.amount(), booking.currency());
        refundUnused(payment);
        // its hold, should it have one, still runs: the customer may pay again in the booking's currency. Written only
        // while no payment is recorded: another payment of the booking (its own message group) may have been recorded
        // since the booking was read, and this one's story is not the paid booking's
        bookings.reasonOfUnpaid(booking.id(), payment.provider() + " payment " + payment.paymentReference()
                + " was refunded: " + why, now);
        notifyMismatchRefunded(payment, currency);
        return true;
    }

    /**
     * The booking's start passed while its calendar event was being made: handled as a start passed before it was made
     * (refundUnconfirmedPastItsStart: cancelled as never confirmed and refunded; a payment never refunded here left
     * for a person), and the event just made goes, unless the booking was confirmed meanwhile (another run of this
     * payment, whose event it is). Should Google fail to remove it, this fails and its redelivery removes it.
     */
    private boolean begunWhileItsEventWasMade(Booking booking, Booking payment, String eventId, Instant now,
                                              String heldStatus) {
        log.warn("Booking {}: its start passed while its calendar event was being made: not confirmed", booking.id());
        if (heldStatus != null) {
            return leftForAPersonAsBegun(booking, payment, heldStatus, now, true);
        }
        refundUnconfirmedPastItsStart(booking.id(), now); // which removes the event of a booking it cancelled
        Booking current = bookings.find(booking.id()).orElseThrow();
        if (current.status() != BookingStatus.CONFIRMED && !cancelledUnconfirmed(current, payment)) {
            removeEvent(current, eventId); // refunded at the provider meanwhile, say
        }
        return true;
    }

    /**
     * A payment never refunded here whose booking's appointment had begun: left for a person, and the booking's event
     * removed should one have been made ({@code eventMayBeMade}: by this run, or by an earlier one of this payment)
     * while the booking is not confirmed. The reason is recorded first: should Google fail, the event is redelivered,
     * and its next run, finding the booking paid by this payment, removes the event.
     */
    private boolean leftForAPersonAsBegun(Booking booking, Booking payment, String heldStatus, Instant now,
                                          boolean eventMayBeMade) {
        leftForAPerson(booking, payment, heldStatus, "the appointment had begun", now);
        if (eventMayBeMade && bookings.find(booking.id()).map(b -> b.status() != BookingStatus.CONFIRMED)
                .orElse(false)) {
            removeEvent(booking, eventIdFor(booking.id()));
        }
        return true;
    }

    /** A booking paid by this payment, waiting for its confirmation. */
    /** Whether {@code payment} is the one recorded on the booking (whatever its status). */
    private static boolean recordedOn(Booking booking, Booking payment) {
        return booking.paid() && Objects.equals(booking.paymentReference(), payment.paymentReference())
                && Objects.equals(booking.provider(), payment.provider());
    }

    private static boolean waitsForItsConfirmation(Booking booking, Booking payment) {
        return booking.status() == BookingStatus.PENDING_PAYMENT && booking.paid()
                && Objects.equals(booking.paymentReference(), payment.paymentReference());
    }

    /**
     * A payment neither confirmed nor refunded: the booking keeps its status, its reason telling a person why (while
     * it waits for a payment), and is marked as needing a person (V20, whatever its status): a later payment rewrites
     * the reason, the mark stays until a person clears it (POST /admin/bookings/{id}/attention/clear), counted in
     * connectify_bookings_needing_attention (alert BookingsNeedAttention).
     */
    private boolean leftForAPerson(Booking booking, Booking payment, String status, String cannot, Instant now) {
        String why = payment.provider() + " payment " + payment.paymentReference() + " arrived " + status
                + " and was neither confirmed nor refunded (" + cannot + "): settle it by hand";
        Booking current = bookings.find(booking.id()).orElse(booking);
        log.warn("Booking {} ({}): {}", current.id(), current.status(), why);
        if (!why.equals(current.statusReason())) {
            // not onto a booking another payment was recorded on (before or while this one was handled): the mark
            // below keeps this one's story for the person
            bookings.reasonOfUnconfirmed(current.id(), payment.provider(), payment.paymentReference(), why, now);
        }
        bookings.needsAttention(current.id(), why, now);
        return true;
    }

    /**
     * Records the payment on a booking that still holds its slot or whose slot is still free; answers the recording,
     * with the mark of a refund seen before payment (V25) as it found it. {@code securedAt}: set to the instant read
     * under the slot lock where the payment was recorded under it.
     */
    private PaymentRecording secure(Booking booking, Booking payment, Instant now, Instant[] securedAt) {
        if (!PAYABLE.contains(booking.status())) {
            return PaymentRecording.NOT_RECORDED;
        }
        if (!booking.paid() && begun(booking, now)) {
            // a debit that settled after the start, a late event replayed: it pays for nothing now
            return PaymentRecording.NOT_RECORDED;
        }
        PaymentRecording recorded;
        if (booking.paid()) {
            // a repeat of the payment recorded (or another's, refused): it claims no slot
            recorded = bookings.recordPayment(booking.id(), payment.provider(), payment.paymentReference(),
                    payment.paidAmount(), now);
        } else if (holdsItsSlot(booking, now)) {
            recorded = underSlotLock(booking, at -> {
                securedAt[0] = at;
                return bookings.recordPayment(booking.id(), payment.provider(), payment.paymentReference(),
                        payment.paidAmount(), at);
            });
            if (recorded == null) {
                return PaymentRecording.NOT_RECORDED; // another booking holds the slot: its hold ran out, it was taken
            }
        } else {
            recorded = PaymentRecording.NOT_RECORDED; // its hold ran out: the slot is taken again only if still free
        }
        if (recorded.recorded() || booking.paid()) {
            return recorded; // not recorded when paid: another payment was recorded first
        }
        // dated once the slot was judged free (at): a running hold it took over in its buffer knows it by that
        return ifSlotStillFree(booking, at -> {
            securedAt[0] = at;
            return bookings.reholdPaid(booking.id(), payment.provider(), payment.paymentReference(),
                    payment.paidAmount(), at);
        }, PaymentRecording.NOT_RECORDED);
    }

    /**
     * Runs {@code keep}, a step that keeps the booking's hold (its payment recorded, its hold extended), under the slot
     * lock and only while no other booking holds the slot; null when one does. A reservation judges this booking's
     * hold under the same lock, so of the two exactly one takes a slot whose hold is running out, whatever each
     * instance's clock says: judged on an instant read before the lock, or on a clock behind the reserving instance's,
     * a hold the reservation had seen run out was kept, and the slot had two bookings. {@code keep} reads its instant
     * in the lock's transaction from the database's clock ({@link BookingClock}), which both databases give as the
     * transaction's start, when the lock was asked for: which of the two took the slot is decided by the check that
     * follows, not by that instant. Read once there ({@code at}), for the check and for {@code keep}. Only a booking
     * that took the slot defeats the hold: one overlapping its time, or one in its buffer put there once the hold had
     * run out ({@link AvailabilityService#isTakenFromItsHold}). A
     * neighbour in the buffer before (a confirmed booking the calendar re-check followed there, one reserved with a
     * smaller buffer) refunded a payment made in time, as "slot taken before the payment arrived".
     */
    private <T> T underSlotLock(Booking booking, Function<Instant, T> keep) {
        return bookings.withSlotLock(() -> {
            Instant at = now();
            return availability.isTakenFromItsHold(booking, at) ? null : keep.apply(at);
        });
    }

    /**
     * Whether the booking, as read, waits for its payment with its hold still running at {@code now}: the only one
     * whose hold a payment can keep ({@link #underSlotLock}). Another is taken again only if its slot is still free,
     * Google asked before the slot lock is taken ({@link #ifSlotStillFree}).
     */
    private static boolean holdsItsSlot(Booking booking, Instant now) {
        return booking.status() == BookingStatus.PENDING_PAYMENT && !booking.paid()
                && booking.holdExpiresAt() != null && booking.holdExpiresAt().isAfter(now);
    }

    /** Whether the booking's appointment has begun: a payment confirmed from then on is refunded, never confirmed. */
    private static boolean begun(Booking booking, Instant now) {
        return !booking.start().toInstant().isAfter(now);
    }

    /**
     * A payment recorded before the booking's start whose confirmation comes only after it (Google was down, and its
     * dead letter was replayed late): no one expected the customer, and a confirmation now would announce an
     * appointment already past, one that cancelling would no longer refund (the cut-off has passed). So the booking
     * is cancelled as one paid but never confirmed, and refunded in full.
     */
    private boolean refundUnconfirmedPastItsStart(String bookingId, Instant now) {
        log.warn("Booking {} was paid before its start but could not be confirmed until after it: cancelling and "
                + "refunding", bookingId);
        bookings.cancelUnconfirmed(bookingId, CANCELLED_UNCONFIRMED, now);
        Booking current = bookings.find(bookingId).orElseThrow();
        if (cancelledUnconfirmed(current, current)) {
            settleCancelled(bookingId);
            removeEvent(current, eventIdFor(bookingId)); // one a first run made before it failed
        }
        return true;
    }

    /** A payment that did not pay for the booking as it is now: a repeat of the one that did, or one to refund. */
    private boolean settleUnused(Booking current, Booking payment, Instant now) {
        String bookingId = current.id();
        if (current.paid() && Objects.equals(current.paymentReference(), payment.paymentReference())) {
            log.info("Payment for booking {} ignored: already {}", bookingId, current.status());
            if (current.status() == BookingStatus.CANCELLED || current.status() == BookingStatus.REFUNDED) {
                // its payment settled: a mark of a refund seen before it (V25) left by a first run that failed before
                // clearing it has nothing left to act on. A confirmed one's is read below; a waiting one's (paid,
                // PENDING_PAYMENT) still by its confirmation
                bookings.refundSeenActedOn(bookingId);
            }
            if (cancelledUnconfirmed(current, payment) || stoppedUnconfirmed(current, payment)
                    || settledUnconfirmed(current, payment)) {
                // cancelled before its confirmation: the refund finished should the cancellation's have failed (none
                // where a dispute stopped it or a person settled it by hand), and an event a first run of this
                // payment made removed (a failure retries this event, then keeps it)
                settleCancelled(bookingId);
                removeEvent(current, eventIdFor(bookingId));
                return true;
            }
            // a redelivery whose first run's queued notifications rolled back: queued again (only those unsent)
            switch (current.status()) {
                case CONFIRMED -> {
                    if (current.paidAmount() != null && current.paidAmount() > current.amount()) {
                        // its excess marked for a person should the first run have failed before the mark; once
                        paidOverPrice(current, current, null);
                    }
                    notifyOnce(bookingId, CONFIRMATION);
                    // its refund in part seen before it was recorded, not yet recorded (that step failed); the mark
                    // as read with the booking here, after its payment was recorded (none is written since)
                    List<StripeCommands.RefundResult> seenRefunded =
                            refundsSeenBefore(current.refundSeenBeforePayment(), payment);
                    if (seenRefunded != null) {
                        refundedInPartBefore(bookingId, payment, seenRefunded);
                    }
                }
                case REFUNDED -> {
                    if (returnedUnconfirmed(current, payment.paymentReference())) {
                        // refunded at the provider before its confirmation: an event a first run of this payment
                        // made is removed (a failure retries this event)
                        removeEvent(current, eventIdFor(bookingId));
                    }
                    if (!refundUnderWay(current)) {
                        notifyRefunded(bookingId);
                    }
                }
                case CANCELLED -> {
                    if (CANCELLED_CONFIRMED.equals(current.statusReason())) {
                        settleCancelled(bookingId); // its cancellation's refund failed: made now, should it still be
                    } else if (current.statusReason() != null && current.statusReason().startsWith(REFUND_FAILED)) {
                        // its refund failed at the provider (answered failed, or failed after it was made): the
                        // cancellation notice would tell its customer the payment is not refunded as cancelled after
                        // the cut-off, and a late repeat of its payment (a dead letter replayed) tells nothing new
                        log.info("Booking {}: its refund failed at the provider; no notification", bookingId);
                    } else if (settledByHand(current)) {
                        // a person paid its customer back another way and told them: nothing to refund or tell
                        log.info("Booking {}: its refund was settled by hand; no refund, no notification", bookingId);
                    } else {
                        notifyCancelled(bookingId);
                    }
                }
                default -> { }
            }
            return true;
        }
        if (payment.paymentReference() == null || payment.paymentReference().isBlank()) {
            // nothing to refund it by: kept as a dead letter for someone to look at
            throw new InvalidStateException("A payment without a reference arrived for booking " + bookingId
                    + ", which is " + current.status());
        }
        String made = refundUnused(payment);
        // the refunded payment is recorded on the booking, so a repeat of its event is known as such
        if (PAYABLE.contains(current.status()) && !current.paid()) {
            boolean begun = begun(current, now);
            log.warn("Booking {} was paid after {}: refunding", bookingId, begun ? "its start" : "its slot was taken");
            if (bookings.refundedUnused(bookingId, PAYABLE, payment,
                    begun ? PAID_AFTER_ITS_START : PAID_AFTER_SLOT_TAKEN, now) && made != null) {
                bookings.refundMade(bookingId, made);
            }
            notifyRefunded(bookingId);
        } else if (current.status() == BookingStatus.CANCELLED && !current.paid()) {
            log.warn("Booking {} was paid after it was cancelled: refunding", bookingId);
            if (bookings.refundedUnused(bookingId, List.of(BookingStatus.CANCELLED), payment,
                    PAID_AFTER_CANCEL, now) && made != null) {
                bookings.refundMade(bookingId, made);
            }
            notifyRefunded(bookingId);
        } else {
            log.warn("Booking {} ({}) was paid a second time: refunding the second payment", bookingId,
                    current.status());
        }
        return true;
    }

    /**
     * A payment the provider shows given back already ({@code status}: Payrexx's refunded or refund_pending) when the
     * hub first acts on it: a Payrexx confirmed delivery handled only after the transaction was refunded in the back
     * office (a backlog, a dead letter replayed late), whose status is fetched. The money was taken and returned:
     * the payment is recorded on the booking, which becomes REFUNDED with no calendar event, as for a payment that
     * paid for nothing; its customer is told of the refund once it is made (refunded; refund_pending tells nothing
     * yet). Only for a booking still waiting for a payment (or cancelled unpaid) or paid by this one and not yet
     * confirmed; one this payment confirmed (its disputed or partially-refunded delivery did, no confirmed one acted
     * on) was refunded in the back office, and is marked for a person, or, cancelled in time with its refund stopped
     * by the dispute, has that refund settled ({@link #paymentRefundedAfterConfirmation}); any other (paid by another
     * payment) is left as it is. A payment below the price, or in another currency, is left alone too: it never pays
     * for the booking, and
     * the hub refunds it itself (confirmPayment), so its refund changes no booking; its customer is told of it once
     * refunded (mismatchRefundMade: the notice the hub's refund queued, should that have been lost). False when
     * nothing changed.
     */
    public boolean paymentReturnedUnconfirmed(@Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                              @Header(WebhookHeaders.PROVIDER) String provider,
                                              @Header(WebhookHeaders.PAYMENT_REFERENCE) String paymentReference,
                                              @Header(WebhookHeaders.PAID_AMOUNT) Long paidAmount,
                                              @Header(WebhookHeaders.PAID_CURRENCY) String paidCurrency,
                                              @Header(WebhookHeaders.PAYMENT_STATUS) String status) {
        Booking booking = known(bookingId);
        if (booking == null || paymentReference == null || paymentReference.isBlank()) {
            return false;
        }
        long paid = paidAmount == null ? booking.amount() : paidAmount;
        boolean made = !REFUND_UNDER_WAY.equals(status);
        boolean currencyKnown = paidCurrency != null && !paidCurrency.isBlank();
        if (!booking.paid() && currencyKnown && !paidCurrency.strip().equalsIgnoreCase(booking.currency())) {
            // as one below the price: it never pays for the booking, and the hub refunds it itself (confirmPayment).
            // A currency not known is taken for the booking's here: the money is back already, nothing is refunded
            log.info("{} payment {} of booking {} is {}: it paid in {}, the booking is priced in {} (refunded by the "
                    + "hub, or to be): the booking ({}) is left as it is", provider, paymentReference, booking.id(),
                    status, paidCurrency, booking.currency(), booking.status());
            return mismatchRefundMade(booking, provider, paymentReference, paid, paidCurrency, made);
        }
        if (!booking.paid() && paid < booking.amount()) {
            log.info("{} payment {} of booking {} is {}: it paid {} of the price {} (refunded by the hub, or to be): "
                    + "the booking ({}) is left as it is", provider, paymentReference, booking.id(), status, paid,
                    booking.amount(), booking.status());
            return currencyKnown && mismatchRefundMade(booking, provider, paymentReference, paid, booking.currency(),
                    made);
        }
        String reason = returnedUnconfirmedReason(provider, status);
        Instant now = now();
        boolean changed;
        if (!booking.paid()) {
            List<BookingStatus> from = new ArrayList<>(PAYABLE);
            from.add(BookingStatus.CANCELLED);
            changed = bookings.refundedUnused(booking.id(), from, paidBy(booking, provider, paymentReference, paid),
                    reason, now);
        } else if (returnedUnconfirmed(booking, paymentReference)) {
            // made REFUNDED by an earlier run of this (its event removal failed, or its refund was then pending):
            // the customer is told once refunded, then the event a failed first confirmation may have made goes.
            // The notice first: its row commits with it, so a Google outage failing the removal (the event
            // redelivered, then dead-lettered) holds no notice back (the recovery sweep sends it)
            if (made && !reason.equals(booking.statusReason()) && bookings.transition(booking.id(),
                    List.of(BookingStatus.REFUNDED), BookingStatus.REFUNDED, reason, now)) {
                log.info("Booking {}: its refund at {} is made (payment {})", booking.id(), provider,
                        paymentReference);
            }
            if (made) {
                notifyRefunded(booking.id());
            }
            removeEvent(booking, eventIdFor(booking.id()));
            return true;
        } else {
            changed = paymentReference.equals(booking.paymentReference())
                    && bookings.refundedUnconfirmed(booking.id(), paymentReference, reason, now);
        }
        if (!changed) {
            if ((booking.status() == BookingStatus.CONFIRMED || cancelledUnrefunded(booking)
                    || stoppedByDispute(booking)) && paymentReference.equals(booking.paymentReference())) {
                // confirmed by it, though no confirmed delivery was acted on (its disputed or partially-refunded one
                // confirmed it), and perhaps cancelled since with no refund by the hub, or in time with its refund
                // stopped by the dispute: refunded in the back office, as one whose confirmed delivery was (the
                // stopped refund is then settled, not left asking a person to pay the customer back a second time)
                return paymentRefundedAfterConfirmation(provider, booking.id(), paymentReference, status);
            }
            log.info("{} payment {} of booking {} is {}: the booking ({}) is left as it is", provider,
                    paymentReference, booking.id(), status, booking.status());
            return false;
        }
        log.warn("Booking {}: {} (payment {}); not confirmed", booking.id(), reason, paymentReference);
        if (made) {
            notifyRefunded(booking.id());
        }
        if (booking.paid()) {
            // one a failed first confirmation may have made (the notice queued first, as above); should Google
            // fail, the event fails and is redelivered (then dead-lettered and replayed), and its next run removes it
            removeEvent(booking, eventIdFor(booking.id()));
        }
        return true;
    }

    /**
     * A payment that cannot pay for its booking (below the price, another currency) shown refunded: its customer told
     * of the refund, as confirmPayment tells it once it refunds (the same occasion, so the same notice, sent once).
     * That notice can be lost with the confirmed event itself (its notice failed on every try, dead-lettered): the
     * replay, the transaction now refunded, and Payrexx's own refunded delivery come here, the confirmed key never
     * recorded, and told nothing before. A refund still under way tells nothing yet. False: the booking is unchanged.
     */
    private boolean mismatchRefundMade(Booking booking, String provider, String paymentReference, long paid,
                                       String currency, boolean made) {
        if (made) {
            notifyMismatchRefunded(paidBy(booking, provider, paymentReference, paid), currency);
        }
        return false;
    }

    /** The status reason {@link #paymentReturnedUnconfirmed} gives a booking whose payment the provider shows so. */
    private static String returnedUnconfirmedReason(String provider, String status) {
        return RETURNED_UNCONFIRMED + provider + " (" + status + ") before the hub confirmed it";
    }

    /**
     * The status reason of a REFUNDED booking whose refund is only under way at {@code provider} (Payrexx's
     * refund_pending): its customer is told once a later status says it is made (the refund watch, when that
     * delivery is lost).
     */
    public static String refundUnderWayReason(String provider) {
        return returnedUnconfirmedReason(provider, REFUND_UNDER_WAY);
    }

    /** A booking made REFUNDED by {@link #paymentReturnedUnconfirmed}, by this payment. */
    private static boolean returnedUnconfirmed(Booking current, String paymentReference) {
        return current.status() == BookingStatus.REFUNDED && current.statusReason() != null
                && current.statusReason().startsWith(RETURNED_UNCONFIRMED) && current.calendarEventId() == null
                && Objects.equals(current.paymentReference(), paymentReference);
    }

    /** Whether such a booking's refund is only under way at the provider: its customer is told once it is made. */
    private static boolean refundUnderWay(Booking current) {
        return current.statusReason() != null && current.statusReason().startsWith(RETURNED_UNCONFIRMED)
                && current.statusReason().contains("(" + REFUND_UNDER_WAY + ")");
    }

    private static final String PAYMENT_FAILED_REASON = "the provider reported the payment failed";

    /**
     * A provider reported the payment failed: the slot is released unless the booking was paid meanwhile. False
     * when that changed nothing.
     */
    public boolean markPaymentFailed(@Header(WebhookHeaders.BOOKING_ID) String named) {
        Booking booking = known(named);
        if (booking == null) {
            return false;
        }
        String bookingId = booking.id(); // as stored: the event may name it in upper case
        return paymentFailedForGood(bookingId, bookings.transition(bookingId, List.of(BookingStatus.PENDING_PAYMENT),
                BookingStatus.PAYMENT_FAILED, PAYMENT_FAILED_REASON, now()));
    }

    /**
     * After a payment's final failure: the customer told, once, of a booking it made PAYMENT_FAILED ({@code moved}), or
     * of one PAYMENT_FAILED already (a redelivery: what its rolled-back first run queued, again).
     */
    private boolean paymentFailedForGood(String bookingId, boolean moved) {
        if (moved) {
            log.info("Booking {} payment failed", bookingId);
            notifyOnce(bookingId, PAYMENT_FAILED);
            return true;
        }
        if (bookings.find(bookingId).map(Booking::status).orElse(null) == BookingStatus.PAYMENT_FAILED) {
            notifyOnce(bookingId, PAYMENT_FAILED); // a redelivery: what its rolled-back first run queued, again
            return true;
        }
        return false;
    }

    /**
     * A delayed payment method's final failure on a Checkout Session naming the booking (Stripe's
     * checkout.session.async_payment_failed; {@code paymentIntent} the session's). Its processing payment, if recorded
     * (V38), is no longer processing ({@link #processingPaymentFailed}). The booking's own payment page's:
     * PAYMENT_FAILED, as {@link #markPaymentFailed}, unless another payment recorded as processing is still on its way
     * (a debit made through the payments API): then a failed attempt ({@link #paymentFailed}), the booking waiting for
     * that one. Another session's (one made through the payments API) says nothing of the booking's own page, which
     * may still be paid: the booking keeps waiting, the failure its status reason, as a failed attempt. False when
     * that changed nothing: the booking is unknown, paid, or no longer waiting.
     */
    public boolean delayedPaymentFailed(@Header(WebhookHeaders.BOOKING_ID) String named,
                                        @Header(WebhookHeaders.CHECKOUT_SESSION) String session,
                                        @Header(WebhookHeaders.PAYMENT_REFERENCE) String paymentIntent,
                                        @Header(WebhookHeaders.EVENT_CREATED) Long eventCreated) {
        Booking booking = known(named);
        if (booking == null) {
            return false;
        }
        Instant created = eventCreated == null ? null : Instant.ofEpochSecond(eventCreated);
        if (session != null && session.equals(booking.paymentReference())) {
            return ownPageFailed(booking, session, paymentIntent, created);
        }
        log.info("Booking {}: a delayed payment failed on Checkout Session {}, not its own payment page ({})",
                booking.id(), session, booking.paymentReference());
        return processingPaymentFailed(booking, session, paymentIntent, created, false,
                "a delayed payment on another Checkout Session failed; the customer may try again until the hold "
                        + "expires");
    }

    /**
     * The booking's own payment page's delayed payment failed for good: PAYMENT_FAILED, its slot released and its
     * customer told, when no other payment recorded as processing is left (judged and moved under the slot lock, where
     * a processing payment is recorded). Otherwise the booking waits for that one, this failure its status reason: the
     * customer's debit on its way may still pay it; the page's failure is recorded (V38), so that one's failure then
     * ends the booking ({@link #processingPaymentFailed}). Before V38 the page's failure ended the booking even then.
     * A booking EXPIRED meanwhile (its hold ran out before this was handled) has its customer told once, too.
     */
    private boolean ownPageFailed(Booking booking, String session, String paymentIntent, Instant created) {
        String bookingId = booking.id(); // as stored: the event may name it in upper case
        List<String> failed = List.of(session, nullToEmpty(paymentIntent));
        List<String> stillProcessing = new ArrayList<>();
        boolean moved = Boolean.TRUE.equals(bookings.withSlotLock(() -> {
            Instant at = now();
            bookings.processingFailed(bookingId, failed, created, at);
            bookings.recordFailed(bookingId, session, paymentIntent, at);
            bookings.rememberFailure(bookingId, session, paymentIntent, created, at);
            stillProcessing.addAll(bookings.processingPayments(bookingId));
            return stillProcessing.isEmpty()
                    ? bookings.transition(bookingId, List.of(BookingStatus.PENDING_PAYMENT),
                            BookingStatus.PAYMENT_FAILED, PAYMENT_FAILED_REASON, at)
                    : bookings.transition(bookingId, List.of(BookingStatus.PENDING_PAYMENT),
                            BookingStatus.PENDING_PAYMENT, "the delayed payment on its payment page failed; another "
                                    + "payment is still processing: the booking waits for it", at);
        }));
        if (stillProcessing.isEmpty()) {
            return paymentFailedForGood(bookingId, moved) || expiredToldPaymentFailed(bookingId);
        }
        if (moved) {
            log.info("Booking {}: the delayed payment on its payment page {} failed; still processing: {}", bookingId,
                    session, stillProcessing);
        }
        return moved;
    }

    /**
     * A booking whose own page's payment failed for good, none other processing, found EXPIRED with no payment (its
     * hold ran out before the failure was handled: a backlog, a dead letter replayed): its customer told the payment
     * failed, once, as PAYMENT_FAILED would. False for any other booking.
     */
    private boolean expiredToldPaymentFailed(String bookingId) {
        Booking current = bookings.find(bookingId).orElse(null);
        if (current == null || current.status() != BookingStatus.EXPIRED || current.paid()) {
            return false;
        }
        log.info("Booking {} expired; its payment page's payment failed: its customer is told", bookingId);
        notifyOnce(bookingId, PAYMENT_FAILED);
        return true;
    }

    /** What {@link #processingPaymentFailed} did under the slot lock. */
    private enum ProcessingFailure { NOT_RECORDED, KEPT, HOLD_ENDED, OWN_PAGE_FAILED }

    /**
     * A payment of the booking failed for good ({@code failed}: its Checkout Session and Payment Intent, as the event
     * names them; {@code created}: when Stripe created that event, null if unknown). Where it was recorded as
     * processing (V38) and no other recorded payment is left, the longer hold it had ends: the booking is held for
     * connectify.booking.hold from now (never past its start), as when its payment page was opened, so the customer
     * may still pay, and the hold sweep then releases the slot; not for the days the processing hold runs. When the
     * booking's own page has failed for good already (its session's failure, or this one: its debit's Payment
     * Intent), the booking is PAYMENT_FAILED instead and its customer told once (one EXPIRED meanwhile told too).
     * Judged and written under the slot lock, as a processing payment is recorded. A failure of a payment not recorded
     * (another card declined on the payment page; one of a hold extended before V38), or created before the event that
     * recorded it (an older decline delivered late), keeps the hold another recorded payment has, or one it cannot
     * tell: {@link #paymentFailed}. False for a booking paid or no longer waiting.
     */
    private boolean processingPaymentFailed(Booking booking, String session, String paymentIntent, Instant created,
                                            boolean sameSecondOlder, String reason) {
        String bookingId = booking.id();
        List<String> failed = List.of(nullToEmpty(session), nullToEmpty(paymentIntent));
        Instant[] heldUntil = new Instant[1];
        boolean[] moved = new boolean[1];
        ProcessingFailure outcome = bookings.withSlotLock(() -> {
            Instant at = now();
            // remembered whatever it fails now: its processing event may come after it (V39)
            bookings.rememberFailure(bookingId, session, paymentIntent, created, at);
            if (bookings.processingFailed(bookingId, failed, created, sameSecondOlder, at) == 0) {
                return ProcessingFailure.NOT_RECORDED;
            }
            if (!bookings.processingPayments(bookingId).isEmpty()) {
                return ProcessingFailure.KEPT; // another still processing: the hold kept
            }
            if (bookings.failedAlready(bookingId, booking.paymentReference())) {
                moved[0] = bookings.transition(bookingId, List.of(BookingStatus.PENDING_PAYMENT),
                        BookingStatus.PAYMENT_FAILED, PAYMENT_FAILED_REASON, at);
                return ProcessingFailure.OWN_PAGE_FAILED;
            }
            Instant ordinary = at.plus(properties.hold());
            heldUntil[0] = booking.start().toInstant().isBefore(ordinary) ? booking.start().toInstant() : ordinary;
            return bookings.endProcessingHold(bookingId, heldUntil[0], reason + "; no payment is processing any "
                    + "more: held until " + heldUntil[0], at) ? ProcessingFailure.HOLD_ENDED : ProcessingFailure.KEPT;
        });
        if (outcome == ProcessingFailure.OWN_PAGE_FAILED) {
            log.info("Booking {}: {}; its payment page's payment failed for good, none other is processing", bookingId,
                    reason);
            return paymentFailedForGood(bookingId, moved[0]) || expiredToldPaymentFailed(bookingId);
        }
        if (outcome == ProcessingFailure.HOLD_ENDED) {
            log.info("Booking {}: {}; the payment it was held longer for failed, none other is processing: held until "
                    + "{}", bookingId, reason, heldUntil[0]);
            return true;
        }
        return paymentFailed(booking, reason);
    }

    /**
     * A payment of a waiting booking failed, not its end: the reason recorded, the hold kept as it is. A hold extended
     * for a delayed payment processing (connectify.booking.processing-hold) is kept here: the failure is not that of
     * a payment recorded as processing, or another recorded one is still on its way ({@link
     * #processingPaymentFailed}). It may be another payment's (a card declined on the booking's own page while a debit
     * made through the payments API is on its way) or an older event delivered late (Stripe does not promise order,
     * and a dead letter's replay comes later still), and ending the hold would release a slot a payment on its way
     * has paid for. False for a booking paid or no longer waiting.
     */
    private boolean paymentFailed(Booking booking, String reason) {
        if (bookings.transition(booking.id(), List.of(BookingStatus.PENDING_PAYMENT), BookingStatus.PENDING_PAYMENT,
                reason, now())) {
            log.info("Booking {}: {}", booking.id(), reason);
            return true;
        }
        return false;
    }

    /**
     * One payment attempt failed (Stripe's payment_intent.payment_failed of Payment Intent {@code paymentIntent}: a
     * card declined on the Checkout page). Not the end of the payment: the Payment Intent waits for another payment
     * method, and the customer, still on the payment page, may try another card. So the booking keeps its slot until
     * its hold runs out, and no "payment failed" notification goes out; the attempt's reason is its status reason. A
     * debit recorded as processing (V38) on that Payment Intent has failed, though: the longer hold it had ends when
     * no other is left ({@link #processingPaymentFailed}). False when that changed nothing: the booking is unknown,
     * paid, or no longer waiting for its payment.
     */
    public boolean paymentAttemptFailed(@Header(WebhookHeaders.BOOKING_ID) String named,
                                        @Header(WebhookHeaders.PAYMENT_REFERENCE) String paymentIntent,
                                        @Header(WebhookHeaders.PAYMENT_ERROR) String paymentError,
                                        @Header(WebhookHeaders.EVENT_CREATED) Long eventCreated) {
        Booking booking = known(named);
        if (booking == null) {
            return false;
        }
        Instant created = eventCreated == null ? null : Instant.ofEpochSecond(eventCreated);
        // a debit recorded by an event of the failure's second: Stripe's created (whole seconds) cannot order them.
        // Not asked for a booking paid or settled: the failure changes nothing of it, and Stripe down would fail it
        boolean sameSecondOlder = awaitsAPayment(booking)
                && bookings.processingRecordedIn(booking.id(), paymentIntent, created)
                && stillOnItsWay(paymentIntent);
        return processingPaymentFailed(booking, null, paymentIntent, created, sameSecondOlder,
                "a payment attempt failed"
                + (paymentError == null ? "" : " (" + paymentError + ")")
                + "; the customer may try again until the hold expires");
    }

    /**
     * The customer completed the payment page with a delayed method (a SEPA debit: Stripe's checkout.session.completed
     * with payment_status unpaid, or payment_intent.processing of a Payment Intent naming the booking, one made
     * through the payments API): the money is on its way, and its final word (async_payment_succeeded or _failed)
     * may take days. The booking keeps its slot for connectify.booking.processing-hold, never past its start; its
     * 15-minute hold released the slot and expired the booking before, and the payment that followed days later was
     * refunded when someone had taken the slot meanwhile. The payment ({@code session}, the Checkout Session, else
     * {@code paymentIntent}) is recorded as processing (V38) with the hold, under the slot lock: its final failure
     * ends the longer hold once no other is left. A payment whose failure was handled before this event (V39) is not
     * held for ({@link #knownFailed}). False for a booking that no longer waits (or has a payment).
     */
    public boolean paymentProcessing(@Header(WebhookHeaders.BOOKING_ID) String named,
                                     @Header(WebhookHeaders.CHECKOUT_SESSION) String session,
                                     @Header(WebhookHeaders.PAYMENT_REFERENCE) String paymentIntent,
                                     @Header(WebhookHeaders.EVENT_CREATED) Long eventCreated) {
        Instant created = eventCreated == null ? null : Instant.ofEpochSecond(eventCreated);
        Booking booking = known(named);
        if (booking == null) {
            return false;
        }
        String bookingId = booking.id(); // as stored: the event may name it in upper case
        String payment = session != null && !session.isEmpty() ? session : nullToEmpty(paymentIntent);
        if (awaitsAPayment(booking) && failedBeforeItsProcessing(bookingId, session, paymentIntent, created)) {
            return knownFailed(booking, payment, paymentIntent);
        }
        Instant now = now();
        Instant processingEnds = now.plus(properties.processingHold());
        Instant until = booking.start().toInstant().isBefore(processingEnds) ? booking.start().toInstant()
                : processingEnds;
        String reason = "the payment is processing (a delayed method): the slot is held until it settles, at the "
                + "latest " + until;
        boolean extended = holdsItsSlot(booking, now) && Boolean.TRUE.equals(underSlotLock(booking, at -> {
            boolean longer = bookings.extendHold(bookingId, until, reason, at);
            // a second payment of a hold that already reaches the start: recorded too, the hold as it is
            boolean held = longer || bookings.heldAtLeastUntil(bookingId, until, at);
            boolean recorded = held && recordProcessing(bookingId, payment, paymentIntent, created, at);
            return longer || recorded;
        }));
        if (extended
                || awaitsAPayment(booking) && !begun(booking, now)
                && reholdWhileProcessing(booking, until, reason, payment, paymentIntent, created)) {
            log.info("Booking {}: {}", bookingId, reason);
            return true;
        }
        return false;
    }

    /**
     * Records the processing payment (none named: nothing) with its event's created, in the slot lock's transaction;
     * true if new.
     */
    private boolean recordProcessing(String bookingId, String payment, String paymentIntent, Instant created,
                                     Instant at) {
        return !payment.isEmpty()
                && bookings.recordProcessing(bookingId, payment, nullToEmpty(paymentIntent), created, at);
    }

    /**
     * Whether the payment a processing event names failed already, its failure handled first (V39; Stripe does not
     * order events, and a dead letter replayed comes later still): its Checkout Session's final failure, or its
     * Payment Intent's created after this event. One created in the same second is ordered by the Payment Intent at
     * Stripe: still processing (or paid), the failure was an older attempt's (a card declined before the debit);
     * else the debit failed. Asked only for a booking awaiting a payment: a processing event holds no other.
     */
    private boolean failedBeforeItsProcessing(String bookingId, String session, String paymentIntent,
                                              Instant created) {
        return switch (bookings.failureSeen(bookingId, session, paymentIntent, created)) {
            case FAILED -> true;
            case SAME_SECOND -> !stillOnItsWay(paymentIntent);
            case NONE -> false;
        };
    }

    /**
     * Whether Payment Intent {@code paymentIntent}, asked at Stripe, is still on its way (processing) or paid: a
     * failure created in the same second as the event that recorded its debit was then an older attempt's. One Stripe
     * does not show the hub's key (404) cannot be told: the failure is taken as the newer, as before. Another failed
     * look-up fails the event, redelivered.
     */
    private boolean stillOnItsWay(String paymentIntent) {
        try {
            String status = template.requestBody(StripeRoutes.PAYMENT_INTENT_BOOKING, paymentIntent,
                    StripeCommands.PaymentIntentBooking.class).status();
            return "processing".equals(status) || "succeeded".equals(status) || "requires_capture".equals(status);
        } catch (CamelExecutionException e) {
            RuntimeException failure = Causes.hubErrorOr(e);
            if (failure instanceof NotFoundException) {
                return false;
            }
            throw failure;
        }
    }

    /**
     * A processing event of a payment whose failure was handled first ({@link #failedBeforeItsProcessing}): the slot is
     * not held longer for it. The payment is recorded failed (V38), so when it was the booking's own page's debit and
     * no other payment is processing, the booking is PAYMENT_FAILED and its customer told once, as when the failure
     * comes after. Before, the processing event held the slot until the processing hold ran out (21 days).
     */
    private boolean knownFailed(Booking booking, String payment, String paymentIntent) {
        String bookingId = booking.id();
        boolean moved = !payment.isEmpty() && Boolean.TRUE.equals(bookings.withSlotLock(() -> {
            Instant at = now();
            bookings.recordFailed(bookingId, payment, paymentIntent, at);
            return bookings.processingPayments(bookingId).isEmpty()
                    && bookings.failedAlready(bookingId, booking.paymentReference())
                    && bookings.transition(bookingId, List.of(BookingStatus.PENDING_PAYMENT),
                            BookingStatus.PAYMENT_FAILED, PAYMENT_FAILED_REASON, at);
        }));
        log.info("Booking {}: payment {} is processing, but its failure was handled before: not held longer for it",
                bookingId, payment);
        return moved && paymentFailedForGood(bookingId, true);
    }

    /**
     * A delayed payment's first word handled after the booking's hold ran out (a queue backlog, a dead letter
     * replayed; expired already, or not yet by the sweep), or after its payment failed (PAYMENT_FAILED: a debit
     * retried on its failed Payment Intent, another payment made): the slot is held again if it is still free, as for
     * a late payment, so the settled payment days later confirms the booking instead of being refunded for a slot
     * someone took meanwhile. Before, a PAYMENT_FAILED booking's processing payment held nothing.
     */
    private boolean reholdWhileProcessing(Booking booking, Instant until, String reason, String payment,
                                          String paymentIntent, Instant created) {
        // dated once the slot was judged free (at), as a late payment's re-hold; the payment recorded with it
        return ifSlotStillFree(booking, at -> {
            boolean reheld = bookings.reholdProcessing(booking.id(), until, reason, at);
            if (reheld) {
                recordProcessing(booking.id(), payment, paymentIntent, created, at);
            }
            return reheld;
        }, false);
    }

    /**
     * Takes the booking's slot again with {@code take} if it is still free: free in the calendar, then, under the
     * slot lock, held by no other booking. Google is asked before the lock is taken: every booking waits on that lock.
     * Answers {@code take}'s answer, or {@code otherwise} when the slot is not free. The time is read once under the
     * lock ({@code at}), for the check and for {@code take}.
     */
    private <T> T ifSlotStillFree(Booking booking, Function<Instant, T> take, T otherwise) {
        return availability.isBusyInCalendarForPayment(booking.range()) ? otherwise
                : bookings.withSlotLock(() -> {
                    Instant at = now();
                    return availability.isHeld(booking.range(), booking.id(), at) ? otherwise : take.apply(at);
                });
    }

    /**
     * A refund that failed after it was made (Stripe's refund.updated with status failed: the card was closed, say;
     * or canceled, as some payment methods' refunds can be): the customer has not been paid back, and Stripe holds
     * the money. The booking refunded by that payment is CANCELLED again, its reason saying why and what to do; so
     * is a booking CANCELLED with that refund still pending (the refund was made but its answer lost): asked again
     * with the same Idempotency-Key, Stripe would replay the answer it stored then (pending, say), and the retry sweep
     * took that for refunded and told the customer so. Its reason no longer says refund pending, so neither the sweep
     * nor a repeated cancel asks again. Logged as an error and counted
     * (connectify_refunds_failed_total, alert RefundFailed), for someone to pay the customer back another way (the
     * booking marked as needing a person, V20, its reason the note), and the customer told (kind refund-failed, as for
     * a refund Stripe answers failed at the cancel). No automatic retry:
     * Stripe answered the refund, and a new one would go to the same card. A failed refund of a payment no refunded
     * booking has (a second payment's) changes no booking, and is logged and counted the same way.
     * <p>
     * The refund is the booking's only when it is the one the hub made: where the hub knows its refund's id (stored
     * from the provider's answer), a refund of the same payment with another id (made by hand in the Stripe
     * dashboard) leaves the booking as it is, logged and counted apart (connectify_refunds_failed_foreign_total).
     * Where it knows none (the answer lost, a refund made before V17), the refund's metadata decides: every refund
     * the hub makes carries its mark ({@code connectify=booking} and the {@code bookingId}, PaymentCommands), and one
     * without it, or marked for another booking or made through the payments API, is not the booking's refund: left
     * as it is, counted apart, as above. So is an unmarked refund of a payment no booking has. A refund the hub made
     * before it marked its refunds carries no mark either: the missing mark tells only for a booking whose refunds
     * were sent marked (V23 refund_marked: every booking made since, an older one once the hub sent it a refund);
     * for another, the payment decides, as before the mark (a refund made by hand of such a booking's payment is
     * then taken for the hub's: the residual case, logged as an error, check it at Stripe).
     * False when the booking says this failure already: Stripe reports one failure in several events
     * (refund.updated, refund.failed, charge.refund.updated), and it is counted once.
     * <p>
     * The booking's refund of a booking whose refund a person recorded as settled by hand (RefundSettledByHandApi:
     * its answer lost at the cancel, the customer paid back another way) failing is harmless: a refund no longer
     * needed, the customer paid back once. Logged at INFO, nothing counted, marked or told (false); a booking that
     * said that refund paid the customer back twice no longer says so, and is marked for the person (true).
     * <p>
     * A Stripe booking made REFUNDED before its confirmation (its payment refunded in full, by any refunds) is made
     * CANCELLED for a person only when its payment's refunds, looked up at Stripe (outside the row lock; a failed
     * look-up fails the event, redelivered), now refund less than it paid: a late or repeated failure event of a
     * refund that another refund made good since changes nothing (false).
     */
    public boolean refundFailed(@Header(WebhookHeaders.PROVIDER) String provider,
                             @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment,
                             @Header(WebhookHeaders.REFUND_REFERENCE) String refund,
                             @Header(WebhookHeaders.PAYMENT_ERROR) String failureReason,
                             @Header(WebhookHeaders.PAYMENT_STATUS) String status,
                             @Header(WebhookHeaders.REFUND_MARK) String mark,
                             @Header(WebhookHeaders.BOOKING_ID) String markedFor) {
        // Stripe gives a failed refund its failure_reason; a canceled one may have none, its status says it
        String reason = failureReason != null ? failureReason : status;
        String why = refundFailedReason(reason);
        String bookingId = bookingPaidBy(provider, null, payment);
        RefundOutcome outcome = bookingId != null
                ? refundNoLongerMade(bookingId, refund, mark, markedFor, why, reason, null)
                : mark == null || mark.isBlank() ? RefundOutcome.UNMARKED : RefundOutcome.NOT_REFUNDED;
        if (outcome == RefundOutcome.LOOK_UP) {
            // outside the row lock (a provider call must not hold it); a failed look-up fails the event: redelivered
            outcome = refundNoLongerMade(bookingId, refund, mark, markedFor, why, reason,
                    StripeCommands.RefundResult.refundedBy(refundsOf(payment)));
        }
        switch (outcome) {
            case FAILED -> {
                log.error("Booking {}: {} (payment {}, refund {})", bookingId, why, payment, refund);
                metrics.refundFailed(provider);
                return true;
            }
            case FAILED_UNCONFIRMED -> {
                log.error("Booking {}: a refund of its payment failed ({}) after the payment was refunded in full before "
                        + "its confirmation: CANCELLED, never confirmed, marked for a person to pay the customer back "
                        + "(payment {}, refund {})", bookingId, reason, payment, refund);
                metrics.refundFailed(provider);
                return true;
            }
            case FAILED_ALREADY -> {
                log.info("Booking {}: another event of its failed refund (payment {})", bookingId, payment);
                return false;
            }
            case SETTLED -> {
                // not counted as RefundFailed (no one is to pay the customer back: a person did), nor marked
                log.info("Booking {}: its refund {} at {} failed ({}) after a person settled the refund by hand: a "
                        + "refund no longer needed, the customer paid back once; nothing to do (payment {})",
                        bookingId, refund, provider, reason, payment);
                return false;
            }
            case SETTLED_NOT_TWICE -> {
                log.warn("Booking {}: its refund {} at {}, taken for paying the customer back twice after the refund "
                        + "was settled by hand, failed ({}): paid back once after all, marked for a person (payment "
                        + "{})", bookingId, refund, provider, reason, payment);
                return true;
            }
            case STILL_REFUNDED -> {
                log.info("Booking {}: a refund {} of its payment {} failed ({}), but {} shows the payment still "
                        + "refunded in full by its other refunds: the booking stays REFUNDED", bookingId, refund,
                        payment, reason, provider);
                return false;
            }
            case NOT_ITS_REFUND -> {
                log.warn("A refund {} of {} payment {} failed ({}), which the hub did not make (its own refund of "
                        + "booking {} is another): the booking is left as it is; whoever made that refund pays the "
                        + "customer back another way", refund, provider, payment, reason, bookingId);
                metrics.foreignRefundFailed(provider);
                return true;
            }
            case UNMARKED -> {
                log.warn("A refund {} of {} payment {} failed ({}) which carries no mark of the hub (made by hand in "
                        + "the dashboard{}): {}; whoever made that refund pays the customer back another way",
                        refund, provider, payment, reason,
                        bookingId == null ? "" : ", and the hub knows no id of its own refund of booking " + bookingId,
                        bookingId == null ? "no booking has that payment" : "the booking is left as it is");
                metrics.foreignRefundFailed(provider);
                return true;
            }
            default -> {
                log.error("A refund {} of {} payment {} failed ({}), and no refunded booking has that payment: pay the "
                        + "customer back another way", refund, provider, payment, reason);
                metrics.refundFailed(provider);
                return true;
            }
        }
    }

    /** What a failed refund of a booking's payment is to the booking. */
    private enum RefundOutcome {
        /** The booking's refund: it no longer says refunded (or refund pending). */
        FAILED,
        /**
         * A refund of the payment of a booking made REFUNDED before its confirmation (refunded in full at the
         * provider, whoever's refunds): CANCELLED, never confirmed, marked for a person.
         */
        FAILED_UNCONFIRMED,
        /** The booking says this failure already. */
        FAILED_ALREADY,
        /**
         * A refund of the payment of a booking made REFUNDED before its confirmation failed, but the payment's
         * refunds looked up now still refund it in full (another refund made it good, or the failure is an old one's,
         * delivered late or again): nothing changes.
         */
        STILL_REFUNDED,
        /** That booking's refunds are to be looked up first (outside the row lock), then asked again. */
        LOOK_UP,
        /** A refund of its payment, but not the one the hub made. */
        NOT_ITS_REFUND,
        /**
         * A refund without the hub's mark where the hub knows no id of its own refund, of a booking whose refunds were
         * sent marked: not the hub's, as far as it can tell.
         */
        UNMARKED,
        /**
         * The booking's refund, of a booking whose refund a person settled by hand (RefundSettledByHandApi): a refund
         * no longer needed failed, and the customer, paid back by hand, is paid back once. Nothing to do.
         */
        SETTLED,
        /**
         * The same, but the booking said that refund had paid the customer back twice ({@link #paidTwice}): it no
         * longer says so, and the person is told.
         */
        SETTLED_NOT_TWICE,
        /** The booking has no refund of that payment (not refunded, nor waiting for it). */
        NOT_REFUNDED
    }

    /**
     * A REFUNDED booking, or one CANCELLED with its refund pending, made CANCELLED with {@code why} and its customer's
     * refund-failed notice queued in the same transaction, unless the hub knows its refund by an id other than
     * {@code refund}, or knows no id and the refund is not marked as the hub's for this booking ({@code mark},
     * {@code markedFor}: its metadata; an unmarked refund only where the booking's refunds were sent marked). Under the booking's row lock: a refund of it being made
     * meanwhile (a cancel, the retry sweep) ends first, and this then finds it REFUNDED, its refund's id recorded.
     * <p>
     * A Stripe booking made REFUNDED before its confirmation is judged by its payment's refunds as Stripe shows them
     * now ({@code refunding}: what those that succeeded or are on their way refund; null: not looked up yet, answered
     * {@link RefundOutcome#LOOK_UP}), not by the failure alone: Stripe delivers events out of order and again for
     * days, and a refund that failed before another refunded the payment in full left the customer short of nothing.
     */
    private RefundOutcome refundNoLongerMade(String bookingId, String refund, String mark, String markedFor,
                                             String why, String reason, Long refunding) {
        RefundOutcome[] outcome = {RefundOutcome.NOT_REFUNDED};
        bookings.withBookingLock(bookingId, () -> bookings.find(bookingId).ifPresent(current -> {
            if (returnedUnconfirmed(current, current.paymentReference())) {
                if (StripeConfig.PROVIDER.equals(current.provider())) {
                    if (refunding == null) {
                        outcome[0] = RefundOutcome.LOOK_UP;
                        return;
                    }
                    if (current.paid() && refunding >= current.paidAmount()) {
                        outcome[0] = RefundOutcome.STILL_REFUNDED;
                        return;
                    }
                }
                // refunded in full before its confirmation by refunds the hub may not have made (by hand, through
                // its payments API): any of them failing leaves the customer short, whoever made it
                outcome[0] = unconfirmedRefundFailed(bookingId, unconfirmedRefundFailedReason(reason), now())
                        ? RefundOutcome.FAILED_UNCONFIRMED : RefundOutcome.NOT_REFUNDED;
                return;
            }
            if (unconfirmedRefundFailed(current)) {
                outcome[0] = RefundOutcome.FAILED_ALREADY; // another event of that failure, or another refund's
                return;
            }
            String made = bookings.refundReference(bookingId).orElse(null);
            if (made != null && refund != null && !refund.isBlank() && !made.equals(refund)) {
                outcome[0] = RefundOutcome.NOT_ITS_REFUND;
                return;
            }
            boolean unmarked = mark == null || mark.isBlank();
            if (made == null && unmarked && bookings.refundMarked(bookingId)) {
                // no id of its own, and no mark on a refund of a booking whose refunds the hub marks: made by hand
                outcome[0] = RefundOutcome.UNMARKED;
                return;
            }
            // no id and no mark on a booking whose refund predates the mark (V23 refund_marked not set): the hub's
            // refund looks the same as one made by hand, and the payment decides, as before the hub marked its refunds
            if (made == null && !unmarked
                    && !(StripeCommands.BY_BOOKING.equals(mark) && bookingId.equals(markedFor))) {
                // the hub's, but not this booking's refund (one through the payments API, say)
                outcome[0] = RefundOutcome.NOT_ITS_REFUND;
                return;
            }
            if (settledByHand(current)) {
                // paid back by a person: the hub's refund was no longer needed, and its failure leaves the customer
                // paid back once. Only a note that took it for paying them back twice is no longer true
                outcome[0] = notPaidTwice(current, reason) ? RefundOutcome.SETTLED_NOT_TWICE : RefundOutcome.SETTLED;
                return;
            }
            boolean pending = current.status() == BookingStatus.CANCELLED
                    && REFUND_PENDING.contains(current.statusReason());
            if ((current.status() == BookingStatus.REFUNDED || pending) && bookings.transition(bookingId,
                    List.of(current.status()), BookingStatus.CANCELLED, why, now())) {
                // in the transition's transaction, as settleCancelled does: queued after it committed, a notice that
                // failed to queue was lost, as the event's redelivery finds the failure said already; so is the mark
                notifyOnce(bookingId, REFUND_FAILED_NOTICE);
                bookings.needsAttention(bookingId, why, now());
                outcome[0] = RefundOutcome.FAILED;
            } else if (current.status() == BookingStatus.CANCELLED && current.statusReason() != null
                    && current.statusReason().startsWith(REFUND_FAILED)) {
                outcome[0] = RefundOutcome.FAILED_ALREADY;
            }
        }));
        return outcome[0];
    }

    /** The status reason of a booking whose refund failed at the provider. */
    private static String refundFailedReason(String reason) {
        return REFUND_FAILED + (reason == null ? "" : " (" + reason + ")") + ": pay the customer back another way";
    }

    /** How the status reason of a booking refunded before its confirmation whose refund then failed ends. */
    private static final String NEVER_CONFIRMED = ": its payment was refunded before its confirmation, the booking "
            + "never confirmed; pay the customer back another way";

    /** The status reason of such a booking ({@code detail}: why, or what the provider shows). */
    private static String unconfirmedRefundFailedReason(String detail) {
        return REFUND_FAILED + " (" + (detail == null ? "failed" : detail) + ")" + NEVER_CONFIRMED;
    }

    /**
     * The part a booking whose refund was settled by hand gets in its status reason once {@code provider} shows the
     * hub's own refund of it made after all ({@code amount}, minor units), and the start of its mark's note.
     */
    static String paidTwice(String provider, long amount) {
        return "refunded by " + provider + PAID_TWICE + " (" + amount + ")";
    }

    /**
     * A booking whose refund was settled by hand that said the hub's refund paid the customer back twice
     * ({@link #paidTwice}), that refund now failed ({@code reason}): its reason no longer says so, and the person who
     * was told is told again, in the same transaction. Under the booking's row lock (the caller's). False when its
     * reason never said so.
     */
    private boolean notPaidTwice(Booking current, String reason) {
        String said = "refunded by " + current.provider() + PAID_TWICE;
        if (!current.statusReason().contains(said)) {
            return false;
        }
        Instant now = now();
        if (!bookings.transition(current.id(), List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED,
                withoutParts(current.statusReason(), said), now)) {
            return false;
        }
        bookings.needsAttention(current.id(), "the refund by " + current.provider() + " taken for paying the "
                + "customer back twice failed (" + (reason == null ? "failed" : reason) + "): the customer was paid "
                + "back once, by hand; nothing to ask back", now);
        return true;
    }

    /** Whether a booking's status reason says that ({@link #unconfirmedRefundFailedReason}). */
    private static boolean unconfirmedRefundFailed(Booking current) {
        return current.status() == BookingStatus.CANCELLED && current.statusReason() != null
                && current.statusReason().startsWith(REFUND_FAILED) && current.statusReason().endsWith(NEVER_CONFIRMED);
    }

    /**
     * A booking made REFUNDED before its confirmation (its payment refunded in full at the provider, by whatever
     * refunds: {@link #returnedUnconfirmed}) one of whose refunds failed: the money did not all go back, and it is
     * not the hub's to make again. CANCELLED with {@code why} (so a late run of its payment confirms nothing and
     * tells nothing) and marked for a person, in one transaction; never confirmed, nothing refunded. Under the
     * booking's row lock (the caller's). False when it is no longer REFUNDED.
     */
    private boolean unconfirmedRefundFailed(String bookingId, String why, Instant now) {
        if (!bookings.transition(bookingId, List.of(BookingStatus.REFUNDED), BookingStatus.CANCELLED, why, now)) {
            return false;
        }
        bookings.needsAttention(bookingId, why, now);
        return true;
    }

    /**
     * A payment the customer disputes with their bank (a chargeback: Stripe's charge.dispute.created, a Payrexx
     * transaction disputed): the provider holds the amount back until the dispute is decided, and only the
     * consultancy can answer it, with the appointment's evidence, by the provider's deadline. The dispute's state (open)
     * is stored on the booking the payment paid, whatever its status, and decides every refund of that payment from
     * then on (settleCancelled, a cancel). A CONFIRMED booking it
     * paid keeps its status (the appointment may still stand) with the dispute added to its statusReason (a partial
     * refund's note or a re-check's flag kept); one CANCELLED with its refund pending has that refund stopped
     * ({@link #refundStopped}); other bookings are left as they are (a REFUNDED or CANCELLED one's
     * reason tells the saga what its payment was for). Logged as an error and counted
     * (connectify_payment_disputes_total, alert PaymentDisputed) in any case. An opening handled once the dispute's
     * outcome is stored (won, lost: Stripe's dispute events name no booking, so they are not ordered) is only logged:
     * the outcome stands, no refund is stopped, no reason changed. The booking is the event's (Payrexx's transaction
     * names it), else the one the payment is recorded on, else, for a dispute handled before its payment's event, the
     * one its Payment Intent names, its payment recorded first ({@link #disputedBeforeItsPayment}).
     */
    public void paymentDisputed(@Header(WebhookHeaders.PROVIDER) String provider,
                                @Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment,
                                @Header(WebhookHeaders.PAYMENT_ERROR) String reason) {
        String why = DISPUTED + (reason == null ? "" : " (" + reason + ")")
                + ": answer the dispute at " + provider + " before its deadline";
        String id = bookingPaidBy(provider, bookingId, payment);
        DisputedFirst first = DisputedFirst.NONE;
        if (id == null && (bookingId == null || bookingId.isBlank())) {
            first = disputedBeforeItsPayment(provider, payment);
            id = first.paidBy();
        }
        // stored first, on the booking the payment paid whatever its status: from its commit on, no refund of that
        // payment is made (settleCancelled reads it under the booking's row lock)
        if (!recordDispute(id, payment, DisputeStatus.OPEN)) {
            DisputeStatus decided = decidedDispute(id, payment);
            if (decided != null) {
                // its opening handled after its outcome (Stripe's dispute events name no booking, so they are not
                // ordered; a dead letter replayed late): the outcome stands, and with it the booking as it left it
                log.error("A {} payment {} (booking {}) is disputed ({}), a dispute already decided ({}): the booking "
                        + "is left as it is", provider, payment, id, reason, decided.column());
                return;
            }
        }
        // only on the booking this payment paid: a Payrexx transaction names its booking, which another transaction
        // may have paid (a second payment of it, left for a person by paymentDisputedPaysNothing); before, that
        // booking's reason told a dispute of its own payment, which no dispute settles
        if (isPaidBy(id, provider, payment) && markConfirmedKeeping(id, why, null)) {
            String warned = refundedInFullThenDisputed(id, provider, payment);
            log.error("Booking {}: {} (payment {}){}", id, why, payment,
                    warned == null ? "" : "; " + warned + ": marked for a person");
            return;
        }
        String stopped = refundStopped(id, payment, reason);
        if (stopped != null) {
            log.error("Booking {}: {} (payment {}): answer the dispute at {} before its deadline", id, stopped,
                    payment, provider);
            return;
        }
        String refunded = refundedThenDisputed(provider, id, payment);
        if (refunded != null) {
            log.error("Booking {}: {}; marked for a person, nothing refunded", id, refunded);
            return;
        }
        String warned = refundedInFullThenDisputed(id, provider, payment);
        if (warned != null) {
            log.error("Booking {}: {} (payment {}); {}: marked for a person, nothing refunded", id, why, payment,
                    warned);
            return;
        }
        log.error("A {} payment {} is disputed ({}); {}: answer the dispute at the provider", provider, payment,
                reason, id != null ? "its booking " + id + " is not confirmed by it"
                        : first.markedFor() != null ? "booking " + first.markedFor() + ", which its Payment Intent "
                                + "names, is not paid by it: marked for a person, nothing refunded"
                        : "no booking has that payment");
    }

    /** Whether the booking {@code id} is paid by {@code provider}'s {@code payment} (whatever its status). */
    private boolean isPaidBy(String id, String provider, String payment) {
        Booking booking = known(id);
        return booking != null && booking.paid() && payment != null && payment.equals(booking.paymentReference())
                && Objects.equals(provider, booking.provider());
    }

    /**
     * A Stripe payment disputed that paid the booking {@code id}, now REFUNDED (cancelled in time and refunded, its slot
     * taken or its start passed before it arrived, refunded at Stripe before its confirmation): the customer may be
     * paid back twice (the refund and the chargeback), so the booking is marked for a person to answer the dispute
     * with the refund, "stripe payment pi_… is disputed, but the hub refunded it (refund re_…): …" (the refund the
     * hub made, as Stripe answered it; one it knows no id of, "… but it was refunded (its reason)", as Payrexx's).
     * Its status and reason are left as they are; nothing is refunded. Before, it was only logged. Payrexx's is marked
     * by {@link #paymentDisputedPaysNothing}. The note, or null for any other booking.
     */
    private String refundedThenDisputed(String provider, String id, String payment) {
        if (!StripeConfig.PROVIDER.equals(provider) || !isPaidBy(id, provider, payment)) {
            return null;
        }
        Booking booking = known(id);
        if (booking.status() != BookingStatus.REFUNDED) {
            return null;
        }
        String why = bookings.refundReference(booking.id())
                .map(refund -> disputedRefunded(provider, payment, "the hub refunded it (refund " + refund + ")"))
                .orElseGet(() -> disputedRefunded(provider, payment, "it was refunded (" + booking.statusReason()
                        + ")"));
        bookings.needsAttention(booking.id(), why, now());
        return why;
    }

    /**
     * A payment refunded in full outside the hub (Stripe's charge.refunded, Payrexx's refunded: the amount recorded,
     * V24), then disputed: should the dispute be lost as well, the customer is paid back twice, as when the refund
     * comes while the dispute is open. So the booking it paid, confirmed or cancelled with no refund by the hub
     * ({@link #cancelledUnrefunded}), gets the note that order gives ({@link #inFullNote}): its refund's note replaced
     * by the warned one where the mark still has it, else marked anew (a person who cleared the refund's mark is told
     * of the dispute). Before, the dispute only joined the reason, and the warning came with a later cancel, if any.
     * Under the booking's row lock, the dispute open as stored. The note, or null for any other booking.
     */
    private String refundedInFullThenDisputed(String id, String provider, String payment) {
        Booking known = known(id);
        if (known == null || payment == null || payment.isBlank()) {
            return null;
        }
        String[] warned = {null};
        bookings.withBookingLock(known.id(), () -> bookings.find(known.id()).ifPresent(current -> {
            if (!current.paid() || !payment.equals(current.paymentReference())
                    || !Objects.equals(provider, current.provider())
                    || current.status() != BookingStatus.CONFIRMED && !cancelledUnrefunded(current)
                    || !disputeOpen(current)) {
                return;
            }
            String head = refundedInFullHead(current, provider);
            if (head == null) {
                return;
            }
            String note = inFullNote(current, provider, head);
            if (!bookings.attentionNoteReplaced(current.id(), outsideNote(current, provider, head), note)) {
                bookings.needsAttention(current.id(), note, now());
            }
            warned[0] = note;
        }));
        return warned[0];
    }

    /**
     * How the mark of a booking whose payment was refunded in full outside the hub begins, as its reason tells that
     * refund: the rest of a part refunded as a person was asked ({@link #restRefundedOutside}), or the whole
     * ({@link #markRefundedOutside}, {@link #paymentRefundedAfterConfirmation}: "… (in full)"). Null when its payment
     * is not refunded in full outside the hub, as recorded.
     */
    private String refundedInFullHead(Booking current, String provider) {
        long of = current.paidAmount();
        Long outside = bookings.refundedOutsideAmount(current.id()).orElse(null);
        if (outside == null || outside < of) {
            return null;
        }
        if (says(current.statusReason(), REST_REFUNDED + provider)) {
            return REST_REFUNDED + provider + " too: " + provider + " shows " + of + " of the payment's " + of
                    + " refunded";
        }
        return says(current.statusReason(), REFUNDED_OUTSIDE + ": " + provider + " shows ")
                ? REFUNDED_OUTSIDE + ": " + provider + " shows " + outside + " of the payment's " + of
                + " refunded outside the hub (in full)" : null;
    }

    /**
     * The note of a payment disputed after it was refunded ({@code refunded}: by whom, which refund): the customer may
     * be paid back twice, for a person to answer the dispute with the refund.
     */
    private static String disputedRefunded(String provider, String payment, String refunded) {
        return provider + " payment " + payment + " is disputed, but " + refunded + ": the customer may be paid back "
                + "twice; answer the dispute at " + provider + " with the refund";
    }

    /** Whether the booking waits for a payment: none recorded on it, and it could still be paid. */
    private static boolean awaitsAPayment(Booking booking) {
        return !booking.paid() && PAYABLE.contains(booking.status());
    }

    /** Why a payment cannot pay for a booking that no longer awaits one ({@link #awaitsAPayment}). */
    private static String notPayable(Booking booking) {
        return booking.paid() ? "the booking was paid by " + booking.provider() + " payment "
                + booking.paymentReference() : "the booking is " + booking.status();
    }

    /**
     * A Payrexx transaction disputed that pays nothing of the booking it names, whose payment is not to be recorded
     * on it now (the route's {@code awaitsThisPayment} said no): marked for a person, never refunded (with the
     * chargeback the customer would be paid back twice), logged as a warning; the dispute is counted by the route
     * in every case. Three cases:
     * <ul>
     * <li>the booking was paid by another payment, or cancelled before any (a second payment the customer disputes,
     * its confirmed delivery never acted on): "payrexx payment &lt;id&gt; arrived disputed and was neither confirmed
     * nor refunded (the booking was paid by payrexx payment &lt;other&gt;): settle it by hand", as a disputed
     * payment that cannot pay a waiting booking is left. Before, the dispute was added to the reason of a CONFIRMED
     * booking another payment paid, as if that payment were disputed, and nobody was asked to settle this one;</li>
     * <li>the hub acted on its confirmed status before ({@code actedOn}) and it paid nothing: the hub refunded it (it
     * could not pay for the booking: below the price, another currency, a second payment, paid after a cancel);</li>
     * <li>it paid the booking, which is REFUNDED (its slot taken or its start passed before it arrived, the booking
     * cancelled and refunded, or refunded at Payrexx): the dispute of a payment refunded.</li>
     * </ul>
     * The last two: "the customer may be paid back twice", for a person to answer the dispute with the refund
     * (Payrexx reports no dispute's outcome). Before, a refunded one whose booking still waited was left for a
     * person as "neither confirmed nor refunded", and one of a REFUNDED booking was only logged. Any other booking
     * (confirmed by this payment, cancelled with its refund pending or stopped) takes the dispute's usual path. False
     * when nothing was marked.
     */
    public boolean paymentDisputedPaysNothing(@Header(WebhookHeaders.PROVIDER) String provider,
                                              @Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                              @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment,
                                              @Header(WebhookHeaders.PAYMENT_ACTED_ON) Boolean actedOn) {
        Booking booking = known(bookingId);
        if (booking == null || payment == null || payment.isBlank()) {
            return false;
        }
        String why;
        if (isPaidBy(booking.id(), provider, payment)) {
            if (booking.status() != BookingStatus.REFUNDED) {
                return false;
            }
            why = provider + " payment " + payment + " is disputed, but it was refunded (" + booking.statusReason()
                    + "): the customer may be paid back twice; answer the dispute at " + provider + " with the refund";
        } else if (Boolean.TRUE.equals(actedOn)) {
            why = provider + " payment " + payment + " is disputed, but the hub refunded it (it could not pay for "
                    + "the booking): the customer may be paid back twice; answer the dispute at " + provider
                    + " with the refund";
        } else {
            String cannot = booking.paid() ? "the booking was paid by " + booking.provider() + " payment "
                    + booking.paymentReference() : "the booking is " + booking.status();
            why = provider + " payment " + payment + " arrived " + DISPUTED_STATUS + " and was neither confirmed nor "
                    + "refunded (" + cannot + "): settle it by hand";
        }
        log.warn("Booking {} ({}): {}", booking.id(), booking.status(), why);
        bookings.needsAttention(booking.id(), why, now());
        return true;
    }

    /**
     * A Stripe dispute handled before its payment's event (out-of-order delivery, Stripe's test dispute card, the
     * payment's event dead-lettered first), or of a payment the hub refunded, which no booking has recorded: a Dispute
     * names no booking. The booking is the one the Payment Intent names at Stripe ({@link #bookingOfPaymentIntent},
     * asked whether or not a booking waits for a payment: a second payment names a booking another one paid; a 404
     * names none, another failure fails the event, redelivered).
     * <ul>
     * <li>A payment the hub refunds on its event, as it cannot pay for the booking (a second payment, one paid after a
     * cancel, one short of the price or in another currency), that Stripe shows refunded: the hub refunded it, the
     * chargeback may pay the customer back twice. The booking is marked for a person, "stripe payment pi_… is disputed,
     * but the hub refunded it (refund re_…): …" (refunded by hand at Stripe: "but it was refunded at stripe (…)"), its
     * status and reason left as they are, nothing recorded or refunded. Before, a short one was taken for a payment
     * still to record and left "neither confirmed nor refunded …: settle it by hand", inviting a second refund, and a
     * second payment's was only logged.</li>
     * <li>Not refunded, of a booking another payment paid or no longer payable (its event not handled yet): marked on
     * the booking as disputed (V33, each such payment of the booking: before, V29 kept one, the latest), so that its
     * event, handled later, never refunds it ({@link #confirmDisputedPayment}: Stripe refuses to refund a disputed
     * charge, or pays it back twice), and the booking
     * marked for a person at once, "stripe payment pi_… arrived disputed and was neither confirmed nor refunded (the
     * booking was paid by stripe payment pi_…): settle it by hand". Before, it was only logged, and its event then
     * refunded it.</li>
     * <li>Of a booking still unpaid and payable by Stripe: the payment is recorded and the booking confirmed where the
     * payment can pay for it, never refunded, else left for a person: as a Payrexx confirmed delivery handled once its
     * transaction is disputed ({@link #confirmPaymentIfItPays}), from what the Payment Intent received, marked first
     * as disputed (V33) so that its own events never refund it. The dispute is then stored on the booking the payment
     * paid, as for any. Before, it was only logged, and the payment's event then confirmed the booking with no
     * dispute: a cancel in time asked Stripe to refund a disputed charge.</li>
     * </ul>
     * The booking the payment is recorded on now, and the booking its Payment Intent names that this marked for a
     * person without the payment recorded on it (so that the dispute's log line names it, where it said "no booking
     * has that payment").
     */
    private DisputedFirst disputedBeforeItsPayment(String provider, String payment) {
        if (payment == null || payment.isBlank()) {
            return DisputedFirst.NONE;
        }
        NamedBooking found = bookingOfPaymentIntent(provider, payment, true);
        StripeCommands.PaymentIntentBooking intent = found.intent();
        Booking named = found.bookingId() == null ? null : known(found.bookingId());
        if (named == null || intent == null || !"succeeded".equals(intent.status()) || intent.amountReceived() == null
                || !provider.equals(named.provider())) {
            log.info("{} payment {} is disputed before the hub recorded it; {}", provider, payment,
                    named == null ? found.none() : "booking " + named.id() + " its Payment Intent names is not one of "
                            + "the hub's paid by " + provider + " (or the Payment Intent shows "
                            + (intent == null ? "nothing" : intent.status()) + ")");
            // recorded meanwhile (its payment's event handled since the look-up): the dispute takes the usual path
            return new DisputedFirst(bookings.idByPayment(provider, payment).orElse(null), null);
        }
        String recorded = bookings.idByPayment(provider, payment).orElse(null);
        if (recorded != null) {
            return new DisputedFirst(recorded, null); // recorded meanwhile, as above
        }
        boolean awaits = awaitsAPayment(named);
        if (!awaits || !paysItsPrice(named, intent)) {
            // one the hub refunds on its event: looked up at Stripe (a failure fails the event), outside any row lock
            String refunded = refundedBeforeItsDispute(named, provider, payment);
            if (refunded != null) {
                log.error("Booking {} ({}): {}; marked for a person, nothing refunded", named.id(), named.status(),
                        refunded);
                return new DisputedFirst(null, named.id());
            }
        }
        if (!awaits) {
            // first: its event, handled later, then never refunds it
            bookings.disputeSeenBeforePayment(named.id(), payment);
            String why = provider + " payment " + payment + " arrived " + DISPUTED_STATUS + " and was neither "
                    + "confirmed nor refunded (" + notPayable(named) + "): settle it by hand";
            log.warn("Booking {} ({}): {}", named.id(), named.status(), why);
            bookings.needsAttention(named.id(), why, now());
            return new DisputedFirst(null, named.id());
        }
        log.warn("Booking {} ({}): {} payment {} is disputed before the hub recorded it: recorded now, confirmed where "
                + "it pays for the booking, never refunded", named.id(), named.status(), provider, payment);
        // first: the payment's own events, handled later, then never refund it, whatever this run does with it (one
        // unable to pay is left for a person here; before, its event then refunded it as any short payment)
        bookings.disputeSeenBeforePayment(named.id(), payment);
        confirmPayment(named, provider, payment, intent.amountReceived(), intent.currency(), now(), DISPUTED_STATUS);
        String paid = bookings.idByPayment(provider, payment).orElse(null);
        return new DisputedFirst(paid, paid == null ? named.id() : null);
    }

    /**
     * What {@link #disputedBeforeItsPayment} did: {@code paidBy}, the booking the payment is recorded on now (null:
     * none); {@code markedFor}, the booking its Payment Intent names, which it marked for a person without recording
     * the payment on it (a second payment's, one the hub refunded, one unable to pay; null: none).
     */
    private record DisputedFirst(String paidBy, String markedFor) {
        static final DisputedFirst NONE = new DisputedFirst(null, null);
    }

    /** Whether what the Payment Intent received is the booking's price, in its currency. */
    private static boolean paysItsPrice(Booking booking, StripeCommands.PaymentIntentBooking intent) {
        return intent.amountReceived() >= booking.amount() && intent.currency() != null
                && intent.currency().strip().equalsIgnoreCase(booking.currency());
    }

    /**
     * A Stripe payment recorded on no booking, disputed, that Stripe shows refunded (its refunds looked up: those
     * that take money back): the booking its Payment Intent names marked for a person, the customer maybe paid back
     * twice. The note, or null when Stripe shows no refund of it.
     */
    private String refundedBeforeItsDispute(Booking named, String provider, String payment) {
        List<StripeCommands.RefundResult> refunds = refundsOf(payment).stream()
                .filter(StripeCommands.RefundResult::refunding).toList();
        if (refunds.isEmpty()) {
            return null;
        }
        List<String> hubs = refunds.stream().filter(r -> StripeCommands.BY_BOOKING.equals(r.mark()))
                .map(StripeCommands.RefundResult::id).toList();
        String why = disputedRefunded(provider, payment, hubs.isEmpty()
                ? "it was refunded at " + provider + " (refund " + String.join(", ",
                        refunds.stream().map(StripeCommands.RefundResult::id).toList()) + ")"
                : "the hub refunded it (refund " + String.join(", ", hubs) + ")");
        bookings.needsAttention(named.id(), why, now());
        return why;
    }

    /**
     * A booking CANCELLED with its refund pending, paid by the disputed {@code payment}, taken out of refund pending
     * (still CANCELLED): the dispute settles the payment, and a refund by the retry sweep or a repeated cancel as well
     * would pay the customer back twice. Under the booking's row lock, so a refund being made meanwhile ends first
     * (the booking is then REFUNDED, and left as it is). Its customer, told nothing yet (the cancellation's refund
     * failed), is told the dispute decides (cancellation-disputed), queued in the transition's transaction as
     * settleCancelled's dispute branch queues it: once. The booking's new reason, or null when it was not such a
     * booking.
     */
    private String refundStopped(String bookingId, String payment, String reason) {
        Booking booking = known(bookingId);
        if (booking == null || payment == null || payment.isBlank()) {
            return null;
        }
        String why = refundStoppedReason(reason);
        String cut = why.length() <= 200 ? why : why.substring(0, 200);
        boolean[] stopped = {false};
        bookings.withBookingLock(booking.id(), () -> bookings.find(booking.id()).ifPresent(current -> {
            // and the dispute still open as stored: its outcome, stored by another consumer between this event's
            // record of it and this lock (Stripe's dispute events are not ordered), found no stopped refund to
            // restart, so a refund stopped now would never be made
            stopped[0] = current.status() == BookingStatus.CANCELLED
                    && REFUND_PENDING.contains(current.statusReason())
                    && payment.equals(current.paymentReference())
                    && bookings.disputeStatus(current.id()).orElse(null) == DisputeStatus.OPEN
                    && bookings.transition(booking.id(), List.of(BookingStatus.CANCELLED),
                            BookingStatus.CANCELLED, cut, now());
            if (stopped[0]) {
                notifyUnlessTold(booking.id(), b -> CANCELLATION_DISPUTED);
                stoppedForGood(current);
            }
        }));
        return stopped[0] ? cut : null;
    }

    /**
     * A refund stopped by a dispute of a Payrexx payment: Payrexx reports no dispute's outcome (Stripe's
     * charge.dispute.closed restarts a refund its dispute stopped, refundAfterDispute), so the hub never makes it, and
     * the booking is marked as needing a person (V20), in the stop's transaction. Nothing for another provider's.
     */
    private void stoppedForGood(Booking booking) {
        if (PayrexxConfig.PROVIDER.equals(booking.provider())) {
            bookings.needsAttention(booking.id(), stoppedForGoodNote(booking), now());
        }
    }

    /** The note of the mark {@link #stoppedForGood} gives a Payrexx booking. */
    private static String stoppedForGoodNote(Booking booking) {
        return "its refund is stopped by the dispute of payrexx payment " + booking.paymentReference()
                + ", whose outcome payrexx does not report: once it is decided, refund it at payrexx if the dispute "
                + "was won";
    }

    /** The status reason of a booking cancelled whose pending refund a dispute ({@code reason}: its own) stopped. */
    private static String refundStoppedReason(String reason) {
        return REFUND_STOPPED + DISPUTED + (reason == null ? "" : " (" + reason + ")") + ", the dispute decides";
    }

    /**
     * The decided state (won, lost) stored for the dispute of the payment that paid the booking {@code id}; null for
     * none, one open or an inquiry closed (a dispute may follow it), or a booking another payment paid.
     */
    private DisputeStatus decidedDispute(String id, String payment) {
        Booking booking = known(id);
        if (booking == null || payment == null || !payment.equals(booking.paymentReference())) {
            return null;
        }
        DisputeStatus stored = bookings.disputeStatus(booking.id()).orElse(null);
        return stored == DisputeStatus.WON || stored == DisputeStatus.LOST ? stored : null;
    }

    /**
     * The dispute's state stored on the booking {@code payment} paid, whatever its status; false for any other (one
     * another payment paid, none), or a state not recorded over the stored one (an opening after its outcome).
     */
    private boolean recordDispute(String id, String payment, DisputeStatus status) {
        Booking booking = known(id);
        return booking != null && payment != null && !payment.isBlank()
                && bookings.disputeIs(booking.id(), payment, status, now());
    }

    /**
     * A booking CANCELLED whose pending refund a dispute of its payment stopped ({@link #refundStopped}, or
     * settleCancelled), the dispute now decided, as stored. Won, or the bank's inquiry closed: the payment stands and
     * the customer cancelled, so the refund is pending again, as the cancellation left it, and made now (should that
     * fail, by the retry sweep or a repeated cancel), the customer told once it is made. Lost: the bank has taken the
     * payment back, nothing is left to refund, and its reason says so. Under the booking's row lock.
     */
    private void refundAfterDispute(String id, String payment) {
        Booking booking = known(id);
        if (booking == null || payment == null || payment.isBlank()) {
            return;
        }
        String[] became = {null};
        bookings.withBookingLock(booking.id(), () -> bookings.find(booking.id()).ifPresent(current -> {
            if (current.status() != BookingStatus.CANCELLED || current.statusReason() == null
                    || !current.statusReason().startsWith(REFUND_STOPPED)
                    || !payment.equals(current.paymentReference())) {
                return;
            }
            DisputeStatus dispute = bookings.disputeStatus(current.id()).orElse(DisputeStatus.OPEN);
            String reason = dispute == DisputeStatus.LOST ? REFUND_STOPPED_DISPUTE_LOST
                    // a confirmed booking keeps its (removed) event's id; one cancelled unconfirmed has none
                    : dispute.settlesThePayment() ? null
                    : current.calendarEventId() == null ? CANCELLED_UNCONFIRMED : CANCELLED_CONFIRMED;
            if (reason != null && !reason.equals(current.statusReason()) && bookings.transition(current.id(),
                    List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED, reason, now())) {
                became[0] = reason;
            }
        }));
        if (REFUND_STOPPED_DISPUTE_LOST.equals(became[0])) {
            log.warn("Booking {}: {} (payment {})", booking.id(), became[0], payment);
        } else if (became[0] != null) {
            log.info("Booking {}: its payment's dispute decided, the payment stands: its stopped refund is made "
                    + "(payment {})", booking.id(), payment);
            try {
                settleCancelled(booking.id());
            } catch (RuntimeException e) {
                log.warn("Booking {}: its refund failed ({}); the retry sweep makes it", booking.id(),
                        e.getClass().getSimpleName());
            }
        }
    }

    /**
     * Part of a payment refunded at the provider, outside the hub (a Payrexx transaction partially-refunded: a goodwill
     * refund in the back office). The rest of the payment stands, and so does the booking: a CONFIRMED booking this
     * payment paid keeps its status and event, with the partial refund in its statusReason (the transaction as the hub
     * reads it names no refunded amount), so it is neither ignored nor taken for a full refund. A reason it had (a
     * dispute's, a re-check's flag) is kept with it. It is marked for a person, who decides whether the appointment
     * stands, and counted (connectify_refunds_outside_hub_total), as Stripe's charge.refunded in part of a confirmed
     * booking: told only in its reason, no operator watching the alert or the dashboard saw it. Once per transaction:
     * a repeated delivery is a duplicate (its key recorded), and a reason saying it already changes nothing. A refund
     * under way marked before (its refund_pending delivery, {@link #paymentRefundedAfterConfirmation}) is settled by
     * this: the reason's and the mark's "pending" replaced by the part refunded, nothing marked or counted again. A
     * booking cancelled with no refund by the hub ({@link #cancelledUnrefunded}) has it recorded after its reason,
     * marked for a person and counted, as Stripe's charge.refunded of such a booking; one cancelled after the cut-off
     * has its customer told once that part was paid back ({@link #toldRefundedAfterLateCancel}; before, told nothing). One whose refund a dispute
     * stopped keeps it stopped, the part recorded and a person asked to refund only what is left should the dispute be
     * won ({@link #stoppedRefundPartlyMade}). Any other booking is left as it is. Under the booking's row lock. False
     * when nothing changed.
     */
    public boolean paymentPartiallyRefunded(@Header(WebhookHeaders.PROVIDER) String provider,
                                            @Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                            @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment) {
        String id = bookingPaidBy(provider, bookingId, payment);
        Booking booking = known(id);
        String part = PART_REFUNDED + provider + " (amount not given)";
        String[] said = {null};
        boolean[] marked = {false};
        Outside[] stopped = {null};
        if (booking != null && payment != null && payment.equals(booking.paymentReference())) {
            bookings.withBookingLock(booking.id(), () -> bookings.find(booking.id()).ifPresent(current -> {
                if (stoppedByDispute(current) && payment.equals(current.paymentReference())) {
                    stopped[0] = stoppedRefundPartlyMade(current, provider, now());
                    return;
                }
                boolean confirmed = current.status() == BookingStatus.CONFIRMED;
                if (!current.paid() || !payment.equals(current.paymentReference())
                        || !confirmed && !cancelledUnrefunded(current)) {
                    return;
                }
                String why = confirmed ? part + ": the booking stands" : part;
                if (says(current.statusReason(), refundPendingOutside(provider))) {
                    // its refund under way, marked and counted then: now known to be part of the payment
                    markOutside(current, provider, why, part, refundPendingOutsideNote(current, provider), now());
                    said[0] = why;
                    toldRefundedAfterLateCancel(current, false);
                } else if (says(current.statusReason(), why)) {
                    return;
                } else {
                    // a refund the hub did not make, as Stripe's charge.refunded in part: a person decides whether a
                    // confirmed booking's appointment stands (the customer paid back part of it), and checks a
                    // cancelled one's at the provider
                    said[0] = markOutside(current, provider, why, part, null, now());
                    marked[0] = true;
                    toldRefundedAfterLateCancel(current, false);
                }
            }));
        }
        if (stopped[0] != null) {
            reportOutside(booking.id(), provider, payment, stopped[0]);
            return true;
        }
        if (marked[0]) {
            reportOutside(booking.id(), provider, payment, new Outside(said[0], false, false, false));
            return true;
        }
        if (said[0] != null) {
            log.warn("Booking {}: {} (payment {})", booking.id(), said[0], payment);
            return true;
        }
        log.info("{} payment {} was partly refunded; its booking {} is not confirmed by it (nor cancelled with no "
                + "refund by the hub), or says so already: left as it is", provider, payment, id);
        return false;
    }

    /** How a booking's status reason begins the note of a refund of its payment the hub did not make. */
    static final String REFUNDED_OUTSIDE = "a refund the hub did not make";
    /** How a booking's status reason begins the note of a part of its payment refunded at Payrexx. */
    private static final String PART_REFUNDED = "part of the payment was refunded at ";
    /** How it begins the note of the rest of such a payment refunded at Payrexx, as a person was asked to. */
    private static final String REST_REFUNDED = "the rest refunded at ";

    /**
     * A payment refunded at the provider, in full or in part (Stripe's charge.refunded: the Charge's
     * {@code amount_refunded}, every refund of it counted), matched to the booking it paid by its Payment Intent.
     * Whose refunds they are is decided by the refunds themselves: the hub marks every refund it makes (metadata
     * {@code connectify}: a booking's, or one through POST /payments/refunds, such as an operator's paying back a
     * customer whose refund failed). So the payment's refunds are looked up at the provider (every page; outside the
     * booking's row lock: a provider call must not hold it; a failed look-up fails the event, redelivered then
     * dead-lettered, and records no guess), and those that succeeded or are on their way (pending, requires_action)
     * without the hub's mark, and other than the booking's own refund (its refund_reference: made before the hub
     * marked its refunds, it may carry none), are summed: what was refunded outside the hub (with those through the
     * payments API, where they are not the hub's own: {@link #apiRefundsAreTheHubsOwn}). Nothing, and the event
     * is the echo of the hub's own refunds (whatever the booking's status now: its refund's failure handled first,
     * say). Only a booking whose refunds were not sent marked (V23 refund_marked: made before the hub marked them,
     * which may carry none) keeps the old rule without a look-up: REFUNDED, or CANCELLED with its refund pending, and
     * shown refunded no more than it paid, is the echo.
     * <p>
     * An amount refunded outside the hub is recorded once (V24 refunded_outside_amount: only one differing from the
     * amount last seen for the booking; the hub's own later refund's charge.refunded lists the same refund made by
     * hand again, its mark perhaps cleared by a person meanwhile), never acted on with money: the hub refunds and
     * cancels nothing, and the booking keeps its status and calendar event. Its status reason says how much of the
     * payment the unmarked refunds refund (a confirmed one's as {@link #keeping} adds it; another's after its reason,
     * whose beginning the saga reads; one waiting for its refund keeps its reason, which keeps that refund going), a
     * note of an earlier refund outside the hub replaced, and the booking is marked for a person, logged as a warning
     * and counted (connectify_refunds_outside_hub_total).
     * <p>
     * A paid booking still waiting for its confirmation (Google down) whose payment its refunds looked up at Stripe
     * refund in full (those that succeeded or are on their way: by hand, through the hub's payments API, or a mix;
     * not the event's {@code amount_refunded}, a snapshot that a late or redelivered event shows stale) is REFUNDED as
     * the Payrexx path makes one ({@link #paymentReturnedUnconfirmed}), so no later run of its payment confirms it:
     * its customer told of the refund, marked only for a part refunded outside the hub, and an event a failed first
     * confirmation made removed (after the lock, and after the log and the count: should Google fail, the event is
     * redelivered and its next run removes it, counting nothing again); one refunded in part outside the hub is only
     * marked. One made REFUNDED so whose refunds then refund less than it paid (one of them failed or was canceled)
     * is CANCELLED for a person, never confirmed, counted in connectify_refunds_failed_total; an older event's smaller
     * amount_refunded, delivered late, is not taken for that. Under the booking's row lock, in one transaction: a
     * cancel committing meanwhile is read, and a failure leaves neither reason nor mark nor amount. False also for a
     * payment no booking was paid by, and for one whose booking says this already (a redelivery is a duplicate before
     * it gets here).
     * <p>
     * A payment no booking was paid by yet is one seen before its payment's event ({@link #seenBeforeItsPayment}): of
     * the booking the event names, or, naming none (a Charge without its Payment Intent's metadata: the two events are
     * not ordered by Stripe), of the booking the Payment Intent names at Stripe, looked up then
     * ({@link #bookingOfPaymentIntent}, only while a booking of the provider waits for a payment; one Stripe answers
     * 404 names none; another failed look-up fails the event). Neither naming one, or the booking named not waiting
     * for a payment of this provider: no action, logged once with the reason.
     */
    public boolean paymentRefundedOutside(@Header(WebhookHeaders.PROVIDER) String provider,
                                          @Header(WebhookHeaders.BOOKING_ID) String named,
                                          @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment,
                                          @Header(WebhookHeaders.REFUNDED_AMOUNT) Long refunded,
                                          @Header(WebhookHeaders.PAID_AMOUNT) Long charged) {
        // by the payment alone: the booking its Payment Intent paid (a second payment of a booking, refunded by the
        // hub, paid none), as the other charge.* events are matched
        String id = payment == null || payment.isBlank() || refunded == null || refunded <= 0 ? null
                : bookings.idByPayment(provider, payment).orElse(null);
        if (id == null && refunded != null && refunded > 0 && payment != null && !payment.isBlank()) {
            // the booking the event names; naming none (a Charge without its Payment Intent's metadata), the one the
            // Payment Intent names at Stripe now: a refund by hand handled before its payment's event is then
            // remembered as one naming its booking is, not dropped (the payment would confirm the booking)
            boolean unnamed = named == null || named.isBlank();
            NamedBooking found = unnamed ? bookingOfPaymentIntent(provider, payment) : new NamedBooking(named, null);
            String booking = found.bookingId();
            if (booking != null && seenBeforeItsPayment(booking, provider, payment)) {
                return true;
            }
            // not remembered: the booking may have been paid by it since the look-up above (its payment's event
            // handled meanwhile, and the mark's update then found it paid): looked up again, it takes the usual path
            id = bookings.idByPayment(provider, payment).orElse(null);
            if (id == null) {
                log.info("{} payment {} shows {} refunded; no booking was paid by it, and {}: no action", provider,
                        payment, refunded, booking == null ? found.none() : "booking " + booking
                                + (unnamed ? " its Payment Intent names" : "")
                                + " is not one of the hub's waiting for a " + provider + " payment");
                return false;
            }
        }
        Booking seen = id == null ? null : bookings.find(id).orElse(null);
        if (seen == null || !seen.paid() || !payment.equals(seen.paymentReference())) {
            log.info("{} payment {} shows {} refunded; no booking was paid by it: no action", provider, payment,
                    refunded);
            return false;
        }
        List<StripeCommands.RefundResult> refunds = echoByTheOldRule(seen, refunded, bookings.refundMarked(id)) ? null
                : refundsOf(payment);
        Outside found = recordOutside(id, provider, payment, refunded, charged, refunds);
        if (found.lookUp()) { // the booking changed meanwhile: no longer the echo the old rule saw
            refunds = refundsOf(payment);
            found = recordOutside(id, provider, payment, refunded, charged, refunds);
        }
        // the hub's own refund (its answer lost at the cancel) made after a person settled the refund by hand: not
        // an echo to ignore, the customer was paid back twice (a booking waiting for its refund is never settled, so
        // the old rule's echo, not looked up, is never such a booking)
        List<StripeCommands.RefundResult> listed = refunds;
        boolean twice = listed != null && paidTwiceAfterSettled(id, provider, payment,
                hubsOwn -> hubsOwnRefunds(listed, hubsOwn));
        // logged and counted once the booking's change has committed, before the event's removal below: its failure
        // redelivers the event, whose next run finds the amount recorded already and counts nothing again
        reportOutside(id, provider, payment, found);
        if (found.returned()) {
            // one a failed first confirmation may have made; should Google fail, the event is redelivered, and its
            // next run finds the booking returned and removes it (the payment's late run does too)
            removeEvent(seen, eventIdFor(id));
        }
        return found.note() != null || found.changed() || found.other() != null || twice;
    }

    /**
     * What the booking's own refunds among the payment's {@code refunds} refund, those that succeeded or are on their
     * way: marked as a booking's ({@link StripeCommands#BY_BOOKING}: the payment is this booking's, so its refund), or
     * the booking's refund as recorded ({@code hubsRefund}: one made before the hub marked its refunds). An operator's
     * through the payments API ({@code api}) and one made by hand are not the hub's refund of the booking: they may be
     * how the person paid the customer back.
     */
    private static long hubsOwnRefunds(List<StripeCommands.RefundResult> refunds, String hubsRefund) {
        return refunds.stream()
                .filter(r -> r.refunding() && (StripeCommands.BY_BOOKING.equals(r.mark())
                        || hubsRefund != null && hubsRefund.equals(r.id())))
                .mapToLong(StripeCommands.RefundResult::amount).sum();
    }

    /**
     * A Payrexx transaction refunded (or its refund under way) that paid a booking whose refund a person settled by
     * hand. Payrexx refunds carry no mark: when a refund the hub asked for lost its answer (V30, recorded as it
     * failed), that refund went through after all, and the customer was paid back twice
     * ({@link #paidTwiceAfterSettled}). When none did (each was refused, 400 or 403, or never sent, the circuit open),
     * the hub made no refund, and this one is the person's own (in Payrexx's back office, say): paid back once, nothing
     * marked or counted. Answers what it found, for the route's log; null for any other booking, or one that says it
     * was paid back twice already: the event takes its usual path.
     */
    public String paymentRefundedAfterSettled(@Header(WebhookHeaders.PROVIDER) String provider,
                                              @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment,
                                              @Header(WebhookHeaders.PAID_AMOUNT) Long amount) {
        String id = payment == null || payment.isBlank() ? null
                : bookings.idByPayment(provider, payment).orElse(null);
        Booking seen = id == null ? null : bookings.find(id).orElse(null);
        if (seen == null || !settledByHand(seen)) {
            return null;
        }
        // read outside the row lock: recorded as an attempt fails, and a booking settled by hand is never refunded
        // again, so it no longer changes
        if (!bookings.refundAnswerLost(id)) {
            return "no refund the hub asked for may have been made (each was refused or never sent): taken for the "
                    + "person's own refund, no action";
        }
        return paidTwiceAfterSettled(id, provider, payment,
                hubsOwn -> amount != null && amount > 0 ? amount : seen.paidAmount())
                ? "the customer was paid back twice: marked for a person" : null;
    }

    /**
     * A booking whose refund a person recorded as settled by hand (RefundSettledByHandApi), whose payment
     * {@code provider} shows refunded by the hub's own refund after all ({@code refunded}: what it refunded, given the
     * booking's recorded refund id, null if none; nothing, no such refund): the customer was paid back twice. The
     * booking stays CANCELLED, its reason settled by hand with {@link #paidTwice} added (so it is said once, whatever
     * later events show, and a person's clearing the mark is not undone), and marked for a person to ask one back, in
     * one transaction under the booking's row lock; then logged as a WARN and counted
     * (connectify_refunds_after_settled_total). False when the booking is no such one or says so already.
     */
    private boolean paidTwiceAfterSettled(String id, String provider, String payment, Function<String, Long> refunded) {
        String[] said = {null};
        bookings.withBookingLock(id, () -> bookings.find(id).ifPresent(current -> {
            if (!settledByHand(current) || !current.paid() || !payment.equals(current.paymentReference())
                    || current.statusReason().contains("refunded by " + provider + PAID_TWICE)) {
                return;
            }
            Long amount = refunded.apply(bookings.refundReference(id).orElse(null));
            if (amount == null || amount <= 0) {
                return;
            }
            String why = paidTwice(provider, amount);
            Instant now = now();
            if (bookings.transition(id, List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED,
                    appended(current.statusReason(), why), now)) {
                bookings.needsAttention(id, why + ": check it at " + provider + ", then ask the customer to pay one "
                        + "back", now);
                said[0] = why;
            }
        }));
        if (said[0] == null) {
            return false;
        }
        log.warn("Booking {}: {} (payment {}): its refund, asked for before and its answer lost, was made after all; "
                + "marked for a person", id, said[0], payment);
        metrics.refundedAfterSettled(provider);
        return true;
    }

    /**
     * The booking a Stripe Payment Intent's metadata names ({@code bookingId}), as Stripe shows it now
     * ({@code GET /v1/payment_intents/{id}}, through the Stripe breaker, retries and rate limiter, as the refunds'
     * look-up; outside any row lock); none, with why, when it names none, or for another provider's payment. Asked
     * only while some Stripe booking is waiting for a payment (one unpaid in a payable status: none, and whatever the
     * Payment Intent names, {@link #seenBeforeItsPayment} would remember nothing): a refund of a payment made outside
     * the bookings (the payments API, other systems on the account) then costs no call, no rate-limiter permit shared
     * with booking creation, and no dead letter while Stripe is down. A Payment Intent Stripe does not show the hub's
     * key (404: another account's, or the sandbox asked for one it never made, {@code stripe trigger}) names none of
     * its bookings. Another failure fails the event, redelivered as any provider failure (nothing recorded on a guess).
     */
    private NamedBooking bookingOfPaymentIntent(String provider, String payment) {
        return bookingOfPaymentIntent(provider, payment, false);
    }

    /**
     * {@link #bookingOfPaymentIntent(String, String)}; {@code whateverWaits}: asked even when no Stripe booking waits
     * for a payment (a dispute's: the booking it names may be paid by another payment, and a dispute is rare).
     */
    private NamedBooking bookingOfPaymentIntent(String provider, String payment, boolean whateverWaits) {
        String namesNone = "neither the event nor its Payment Intent at " + provider + " names a booking";
        if (!StripeConfig.PROVIDER.equals(provider)) {
            return new NamedBooking(null, namesNone);
        }
        if (!whateverWaits && !bookings.anyAwaitingPayment(provider, PAYABLE)) {
            return new NamedBooking(null, "the event names none, and no " + provider + " booking is waiting for a "
                    + "payment (its Payment Intent not asked for)");
        }
        try {
            StripeCommands.PaymentIntentBooking intent = template.requestBody(StripeRoutes.PAYMENT_INTENT_BOOKING,
                    payment, StripeCommands.PaymentIntentBooking.class);
            return new NamedBooking(intent.bookingId(), namesNone, intent);
        } catch (CamelExecutionException e) {
            RuntimeException failure = Causes.hubErrorOr(e);
            if (failure instanceof NotFoundException) {
                return new NamedBooking(null, "the event names none, and " + provider + " shows the hub no such "
                        + "Payment Intent (404)");
            }
            throw failure;
        }
    }

    /**
     * The booking an event or its Payment Intent names; none ({@code bookingId} null): {@code none} says why. The
     * Payment Intent as Stripe showed it, when it was asked for ({@code intent}; else null).
     */
    private record NamedBooking(String bookingId, String none, StripeCommands.PaymentIntentBooking intent) {
        NamedBooking(String bookingId, String none) {
            this(bookingId, none, null);
        }
    }

    /**
     * Logs what {@link #recordOutside} found on the booking, once its change has committed, and counts a refund
     * outside the hub (connectify_refunds_outside_hub_total) or a refund of a booking never confirmed that no longer
     * refunds it in full (connectify_refunds_failed_total).
     */
    private void reportOutside(String id, String provider, String payment, Outside found) {
        if (found.note() != null) {
            log.warn("Booking {}: {} (payment {}); the hub refunds and cancels nothing: marked for a person", id,
                    found.note(), payment);
            metrics.refundedOutsideHub(provider);
        } else if (found.changed()) {
            log.warn("Booking {}: payment {} refunded in full through the hub before its confirmation: REFUNDED, not "
                    + "confirmed, its customer told of the refund", id, payment);
        } else if (found.refundFailed()) {
            // counted once: its refund's failure event, handled after, finds the booking says so already
            log.error("Booking {}: {} (payment {}): CANCELLED, never confirmed, marked for a person", id,
                    found.other(), payment);
            metrics.refundFailed(provider);
        } else if (found.other() != null) {
            log.warn("Booking {}: {} (payment {})", id, found.other(), payment);
        } else {
            log.info("{} payment {}: its booking {} says so already, or the refunds are the hub's own", provider,
                    payment, id);
        }
    }

    /**
     * A charge.refunded handled before its payment was recorded on the booking it names (a Charge carries its Payment
     * Intent's metadata, the bookingId; one without it, the booking its Payment Intent names at Stripe now, looked up
     * by the caller; its payment's event has not come yet: Stripe may deliver it minutes or hours
     * later, or retry it): the booking, unpaid and payable by this provider (PENDING_PAYMENT, or EXPIRED or
     * PAYMENT_FAILED, which a late payment can still hold again), remembers that a payment of it was seen refunded
     * (V25; which one is kept for the log and ops), and the payment that then pays it looks its own refunds up
     * ({@link #refundsSeenBefore}). Nothing waits for that event here. No refunds are looked up now: the mark is the
     * booking's, read once, by the payment recorded on it (a second payment refunded, or a short one the hub refunded,
     * only makes that payment's event look its refunds up). The mark goes with the booking's leaving its payable
     * statuses for good or its payment settled (BookingRepository). False when no such booking is named, or the
     * booking is no longer unpaid and payable when the mark is written (paid meanwhile: the caller looks again).
     */
    private boolean seenBeforeItsPayment(String bookingId, String provider, String payment) {
        Booking named = bookingId == null || bookingId.isBlank() ? null : known(bookingId);
        // marked by named.id(): the booking's id as stored, whatever the form of the one the metadata carries
        if (named == null || named.paid() || !PAYABLE.contains(named.status()) || !provider.equals(named.provider())
                || !bookings.refundSeenBeforePayment(named.id(), payment, PAYABLE, now())) {
            return false;
        }
        log.warn("Booking {} ({}): {} payment {} is shown refunded before the hub recorded it: remembered, its payment "
                + "event acts on it (refunded in full: never confirmed)", named.id(), named.status(), provider, payment);
        return true;
    }

    /**
     * What {@link #recordOutside} found: the note it recorded (null: nothing new), whether it needs the refunds
     * looked up first, whether the booking is REFUNDED before its confirmation (made so now, or found so), whether it
     * was made so now, and what else it changed (null: nothing; a refund outside the hub no longer shown, or a
     * refund of a booking never confirmed no longer in full: {@code refundFailed}, logged as an error and counted).
     */
    private record Outside(String note, boolean lookUp, boolean returned, boolean changed, String other,
                           boolean refundFailed) {
        static final Outside NOTHING = new Outside(null, false, false, false);
        static final Outside LOOK_UP = new Outside(null, true, false, false);
        static final Outside RETURNED = new Outside(null, false, true, false);

        Outside(String note, boolean lookUp, boolean returned, boolean changed) {
            this(note, lookUp, returned, changed, null, false);
        }

        static Outside other(String what, boolean refundFailed) {
            return new Outside(null, false, false, false, what, refundFailed);
        }
    }

    /**
     * The old rule, for a booking whose refunds were not sent marked: REFUNDED, or CANCELLED with its refund pending
     * (the hub refunds the payment in full), shown refunded no more than it paid: the echo of the hub's refund.
     */
    private static boolean echoByTheOldRule(Booking current, long refunded, boolean refundsMarked) {
        boolean hubsRefund = current.status() == BookingStatus.REFUNDED
                || current.status() == BookingStatus.CANCELLED && REFUND_PENDING.contains(current.statusReason());
        return !refundsMarked && hubsRefund && refunded <= current.paidAmount();
    }

    /**
     * Records what the payment's {@code refunds} made outside the hub refund on the booking, under its row lock; null
     * {@code refunds}: not looked up, as the old rule found the echo, which it checks again ({@link Outside#LOOK_UP}
     * when the booking has changed since).
     */
    private Outside recordOutside(String id, String provider, String payment, long refunded, Long charged,
                                  List<StripeCommands.RefundResult> refunds) {
        Outside[] found = {Outside.NOTHING};
        bookings.withBookingLock(id, () -> bookings.find(id).ifPresent(current -> {
            if (!current.paid() || !payment.equals(current.paymentReference())) {
                return;
            }
            if (refunds == null) {
                found[0] = !echoByTheOldRule(current, refunded, bookings.refundMarked(id)) ? Outside.LOOK_UP
                        : returnedUnconfirmed(current, payment) ? Outside.RETURNED : Outside.NOTHING;
                return;
            }
            // an operator's refund through POST /payments/refunds is the hub's own only where the booking waits for
            // (or failed) its refund, the case its mark was made for; elsewhere it is one a person made, told as such
            Set<String> apiOutside = apiRefundsOutside(current, refunds);
            long outside = outsideHub(refunds, bookings.refundReference(id).orElse(null), apiOutside);
            long throughApi = throughTheApi(refunds, apiOutside);
            // the amount seen last: the same one again (the hub's own later refund lists it too) is recorded already
            boolean seenAlready = bookings.refundedOutsideAmount(id).map(last -> last == outside)
                    .orElse(outside == 0);
            if (!seenAlready) {
                bookings.refundedOutside(id, outside); // in the transaction of the reason and the mark below
            }
            long of = charged != null && charged > 0 ? charged : current.paidAmount();
            // what the payment's refunds refund now, not the event's amount_refunded: Stripe delivers its events
            // out of order and retries them for days, so an event's snapshot may predate a refund made or failed
            long shown = StripeCommands.RefundResult.refundedBy(refunds);
            String why = REFUNDED_OUTSIDE + ": " + provider + " shows " + outside + " of the payment's " + of
                    + " refunded outside the hub";
            Instant now = now();
            if (shown >= of && (current.status() == BookingStatus.PENDING_PAYMENT
                    || returnedUnconfirmed(current, payment))) {
                // waiting for its confirmation (Google down), its payment refunded in full by whatever refunds (an
                // operator's through the hub's payments API too): REFUNDED, never confirmed, as a Payrexx payment the
                // provider shows refunded before the hub confirmed it; its customer told once, as there. Marked only
                // for what was refunded outside the hub
                String reason = returnedUnconfirmedReason(provider, "refunded") + (outside > 0 ? "; " + why : "");
                boolean changed = current.status() == BookingStatus.PENDING_PAYMENT
                        && bookings.refundedUnconfirmed(id, payment, reason, now);
                if (changed) {
                    notifyRefunded(id); // in the transition's transaction, as the mark
                } else if (!seenAlready && !Objects.equals(reason, current.statusReason())) {
                    // REFUNDED already: its reason follows what is refunded outside the hub now (another amount, or
                    // none: that refund failed and the hub's made it good), as on a booking of any other status
                    bookings.transition(id, List.of(BookingStatus.REFUNDED), BookingStatus.REFUNDED, reason, now);
                }
                String note = null;
                if (outside > 0 && !seenAlready) {
                    note = why + (outside >= of ? " (in full)" : " (in part, the rest through the hub)")
                            + " before its confirmation: not confirmed, its customer told of the refund";
                    bookings.needsAttention(id, note, now);
                }
                found[0] = new Outside(note, false, true, changed);
                return;
            }
            if (returnedUnconfirmed(current, payment) && shown < of) {
                // made REFUNDED, never confirmed, as refunded in full; its refunds now refund less: one of them
                // failed or was canceled, the money not all back. Left for a person, never confirmed nor refunded
                String failed = unconfirmedRefundFailedReason(provider + " shows " + shown + " of " + of
                        + " refunded");
                if (unconfirmedRefundFailed(id, failed, now)) {
                    found[0] = Outside.other(failed, true);
                }
                return;
            }
            if (outside == 0 && !seenAlready) {
                // refunded outside the hub before, nothing now (that refund failed or was canceled): the reason no
                // longer says so, the rest of it as it was; the mark stays (a person was told; they clear it)
                String reason = withoutParts(current.statusReason(), REFUNDED_OUTSIDE);
                if (!Objects.equals(reason, current.statusReason())) {
                    bookings.transition(id, List.of(current.status()), current.status(), reason, now);
                }
                excessRefunded(id, provider, 0, now); // a refund of the excess failed too: its reason says so
                found[0] = Outside.other("nothing refunded outside the hub any more (" + provider + " shows "
                        + shown + " refunded, the hub's own): its reason no longer says so, its mark stays", false);
                return;
            }
            if (outside == 0 || seenAlready) {
                return; // the hub's own refunds' echo, or an amount recorded already
            }
            if (current.status() == BookingStatus.PENDING_PAYMENT) {
                // a part refunded: the rest may still pay for it, and its confirmation rewrites the reason: marked
                String note = why + " (in part) before its confirmation: decide whether the appointment stands";
                bookings.needsAttention(id, note, now);
                found[0] = new Outside(note, false, false, false);
                return;
            }
            if (isTheExcess(current, outside)) {
                // what a person was asked to refund (paidOverPrice): the excess settled, the appointment not in doubt.
                // A larger total told before (a refund of it failed since) no longer holds: its part goes first, as
                // where nothing is refunded outside the hub any more; its mark stays (a person was told)
                String reason = withoutParts(current.statusReason(), REFUNDED_OUTSIDE);
                if (!Objects.equals(reason, current.statusReason())) {
                    bookings.transition(id, List.of(current.status()), current.status(), reason, now);
                }
                found[0] = Outside.other(excessRefunded(id, provider, outside, now), false);
                return;
            }
            found[0] = new Outside(markRefundedOutside(current, provider, outside, of, throughApi, now), false, false,
                    false);
            excessRefunded(id, provider, outside, now); // not the excess alone: it stays (or is again) not refunded
            toldRefundedAfterLateCancel(current, outside >= of);
        }));
        return found[0];
    }

    /**
     * Records on a paid booking (under its row lock, the caller's) that {@code outside} of its payment's {@code of} was
     * refunded outside the hub, its amount recorded by the caller: its status reason says so (a confirmed one's as
     * {@link #keeping} adds it; another's after its reason, which the saga reads; one waiting for its refund keeps its
     * reason, which keeps that refund going), an earlier such note, or a Payrexx partial refund's, replaced; and it
     * is marked for a person, in the reason's transaction (a failure leaves neither, and the event's redelivery makes
     * both). Answers the mark's note. {@code throughApi}: how much of {@code outside} was refunded through the hub's
     * refund endpoint (an operator's POST /payments/refunds, marked {@code api}), which the note then names, so a
     * person does not look for it in the provider's dashboard.
     */
    private String markRefundedOutside(Booking current, String provider, long outside, long of, long throughApi,
                                       Instant now) {
        return markRefundedOutside(current, provider, outside, of, throughApi, now, null);
    }

    /**
     * As {@link #markRefundedOutside(Booking, String, long, long, long, Instant)}; {@code replacing}: the note of the mark
     * this amount tells better (a Payrexx refund marked while under way, {@link #refundPendingOutsideNote}), replaced
     * in the mark where it still is, no mark added (a person who cleared it was told once). Null: marked.
     */
    private String markRefundedOutside(Booking current, String provider, long outside, long of, long throughApi,
                                       Instant now, String replacing) {
        // short, as a dispute's reason may follow it within the column's 200 characters; the note says more
        String why = REFUNDED_OUTSIDE + ": " + provider + " shows " + outside + " of the payment's " + of
                + " refunded outside the hub";
        String head = why + (outside >= of ? " (in full)" : " (in part)");
        // in full while its payment's dispute is open: warned of paying back twice, as Payrexx's refunded is
        String note = outside >= of ? inFullNote(current, provider, head) : outsideNote(current, provider, head);
        return markOutside(current, provider, why, head, throughApi <= 0 ? note : note + " (" + throughApi + " of it "
                + "through the hub's refund endpoint, POST /payments/refunds, not as the booking's refund)", replacing,
                now);
    }

    /**
     * Records {@code why} (a refund outside the hub) in a paid booking's status reason, under its row lock (the
     * caller's), and marks it with {@code head} and what a person is to do: a confirmed booking's as {@link #keeping}
     * adds it; another's after its reason, which the saga reads; one waiting for its refund keeps its reason, which
     * keeps that refund going. An earlier such note, or a Payrexx partial refund's or refund under way's, is replaced.
     * Marked in the reason's transaction (a failure leaves neither); {@code replacing} as above. Answers the note.
     */
    private String markOutside(Booking current, String provider, String why, String head, String replacing,
                               Instant now) {
        return markOutside(current, provider, why, head, outsideNote(current, provider, head), replacing, now);
    }

    /** As {@link #markOutside(Booking, String, String, String, String, Instant)}, the mark's note {@code note}. */
    private String markOutside(Booking current, String provider, String why, String head, String note,
                               String replacing, Instant now) {
        boolean refundPending = current.status() == BookingStatus.CANCELLED
                && REFUND_PENDING.contains(current.statusReason());
        // a part refunded before (paymentPartiallyRefunded's note), or a refund under way, is told by this one now
        String old = withoutParts(withoutParts(current.statusReason(), REFUNDED_OUTSIDE), PART_REFUNDED);
        String reason = refundPending ? current.statusReason()
                : current.status() == BookingStatus.CONFIRMED ? keeping(old, why)
                : appended(old, why);
        if (!Objects.equals(reason, current.statusReason())) {
            bookings.transition(current.id(), List.of(current.status()), current.status(), reason, now);
        }
        if (replacing == null) {
            // a part refunded before (marked then: paymentPartiallyRefunded), told by this one now: its note replaced
            // where the mark still has it; else marked (a person who cleared it is told of this further refund)
            String part = PART_REFUNDED + provider + " (amount not given)";
            if (!says(current.statusReason(), part)
                    || !bookings.attentionNoteReplaced(current.id(), outsideNote(current, provider, part), note)) {
                bookings.needsAttention(current.id(), note, now);
            }
        } else {
            bookings.attentionNoteReplaced(current.id(), replacing, note);
        }
        return note;
    }

    /** The note of a mark for a refund outside the hub, {@code head}, and what a person is to do. */
    private static String outsideNote(Booking current, String provider, String head) {
        return head + (current.status() == BookingStatus.CONFIRMED ? ": decide whether the appointment stands"
                : ": check it at " + provider);
    }

    /**
     * The status reason's part of a refund of the payment under way at {@code provider}, made outside the hub:
     * Payrexx's refund_pending names no amount, and may end refunded (in full) or partially-refunded.
     */
    private static String refundPendingOutside(String provider) {
        return REFUNDED_OUTSIDE + ": a refund is pending at " + provider + " (amount not given)";
    }

    /** The note of the mark {@link #refundPendingOutside} gave {@code current}. */
    private static String refundPendingOutsideNote(Booking current, String provider) {
        return outsideNote(current, provider, refundPendingOutside(provider));
    }

    /**
     * A booking cancelled after the refund cut-off whose customer was told the payment is not refunded
     * ({@link #CANCELLATION}), or that part of it was ({@link #CANCELLATION_LATE_PART_REFUNDED}), and whose payment the
     * provider now shows refunded outside the hub (Payrexx's refunded, Stripe's charge.refunded; the caller recorded
     * it, under the booking's row lock, in its transaction): the customer is told once what they got back, in full
     * ({@link #CANCELLATION_REFUNDED_OUTSIDE}: "already refunded"), or a part ({@link #CANCELLATION_LATE_PART_REFUNDED})
     * after "not refunded" (Stripe's charge.refunded in part, Payrexx's partially-refunded), never after the whole was
     * told. Sent as its own kind, not through {@link #notifyUnlessTold}: the cancellation's notice told another
     * outcome, one no longer true. A redelivery records nothing new, and the kind logged is not sent again. Before,
     * only a person was told (the booking's mark); Payrexx's partially-refunded told the customer nothing until it
     * was called here too. Not one told a refund under way pays them back, nor a disputed one's (the dispute
     * decides), nor any cancelled in time (told already, or a person refunds the rest).
     */
    private void toldRefundedAfterLateCancel(Booking current, boolean inFull) {
        if (current.status() != BookingStatus.CANCELLED || current.statusReason() == null
                || !current.statusReason().startsWith(CANCELLED_LATE)) {
            return;
        }
        Set<String> kinds = notifications.kindsOf(current.id());
        String kind = inFull ? CANCELLATION_REFUNDED_OUTSIDE : CANCELLATION_LATE_PART_REFUNDED;
        // a part never told after the whole (a delivery handled out of order): the mark tells a person
        boolean toldLess = kinds.contains(CANCELLATION) && (inFull || !kinds.contains(CANCELLATION_REFUNDED_OUTSIDE))
                || inFull && kinds.contains(CANCELLATION_LATE_PART_REFUNDED);
        if (toldLess && !kinds.contains(kind)) {
            log.info("Booking {}: cancelled after the cut-off, its payment now refunded outside the hub ({}): its "
                    + "customer told ({})", current.id(), inFull ? "in full" : "in part", kind);
            notifyOnce(current.id(), kind);
        }
    }

    /**
     * Whether a paid booking was cancelled with no refund by the hub: after the refund cut-off, or while its payment
     * was disputed or after the dispute was lost (the reasons such a cancel gives, the start of its reason). The hub
     * asked the provider for no refund of it, so any refund of its payment was made outside the hub (a goodwill
     * refund in Payrexx's back office), or in time while such a refund was under way ({@link #CANCELLED_REFUND_OUTSIDE})
     * or after one was made ({@link #CANCELLED_REFUNDED_OUTSIDE}, {@link #CANCELLED_PART_REFUNDED_OUTSIDE}).
     * Not one whose refund a dispute stopped: that refund may have been asked for (and its answer lost), and its note
     * asks a person to make it at the provider.
     */
    private static boolean cancelledUnrefunded(Booking current) {
        String reason = current.statusReason();
        return current.status() == BookingStatus.CANCELLED && current.paid() && reason != null
                && (reason.startsWith(CANCELLED_LATE) || reason.startsWith(CANCELLED_DISPUTED)
                || reason.startsWith(CANCELLED_DISPUTE_LOST) || reason.startsWith(CANCELLED_REFUND_OUTSIDE)
                || reason.startsWith(CANCELLED_REFUNDED_OUTSIDE) || reason.startsWith(CANCELLED_PART_REFUNDED_OUTSIDE));
    }

    /**
     * A Payrexx payment shown refunded, or its refund under way (refunded, refund_pending), after it confirmed its
     * booking. The hub refunds a confirmed booking's payment only once the booking is cancelled (CANCELLED committed
     * before Payrexx is asked, under the booking's row lock until REFUNDED), and a booking cancelled with no refund
     * by the hub ({@link #cancelledUnrefunded}: after the cut-off, say) not at all, so this refund was made in
     * Payrexx's back office (a goodwill refund): handled as Stripe's charge.refunded of such a booking refunded outside
     * the hub ({@link #markRefundedOutside}). The booking keeps its status (and a confirmed one its calendar event),
     * its statusReason says so, it is marked for a person, logged as a warning and counted
     * (connectify_refunds_outside_hub_total{provider}), once per refund: refunded is the whole payment (V24
     * refunded_outside_amount, recorded); refund_pending names no amount, and may end partially-refunded, so it says
     * only that a refund is pending ({@link #refundPendingOutside}, no amount recorded), and the refunded delivery
     * that follows settles its reason and its mark's note ("in full"), marking and counting nothing again (as
     * paymentPartiallyRefunded settles it "in part"). Under the booking's row lock: a cancel committing meanwhile is
     * read. A booking whose refund a dispute stopped is settled by refunded ({@link #stoppedRefundMadeOutside}: the
     * customer is paid back, the stopped refund no longer to make); refund_pending keeps it stopped, the refund under
     * way after its reason ({@link #stoppedRefundUnderWayOutside}), until its refunded or partially-refunded. A
     * refund in full warns, its dispute open, that the customer is paid back twice should it be lost: a cancelled
     * booking's ({@link #paidBackInFull}) and a confirmed one's ({@link #confirmedInFullNote}) alike. The rest of a
     * payment part refunded, which a person was asked to refund at the provider, settles that mark ({@link #restRefundedOutside}), counted no more. False for any other booking (cancelled or refunded by the hub:
     * the echo of its own refund; one another payment paid), logged, nothing changed.
     */
    public boolean paymentRefundedAfterConfirmation(@Header(WebhookHeaders.PROVIDER) String provider,
                                                    @Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                                    @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment,
                                                    @Header(WebhookHeaders.PAYMENT_STATUS) String status) {
        Booking known = known(bookingPaidBy(provider, bookingId, payment));
        String[] note = {null};
        boolean[] settled = {false};
        Outside[] found = {null};
        boolean pending = REFUND_UNDER_WAY.equals(status);
        if (known != null && payment != null && !payment.isBlank()) {
            bookings.withBookingLock(known.id(), () -> bookings.find(known.id()).ifPresent(current -> {
                if (stoppedByDispute(current) && payment.equals(current.paymentReference())) {
                    found[0] = pending ? stoppedRefundUnderWayOutside(current, provider, now())
                            : stoppedRefundMadeOutside(current, provider, now());
                    return;
                }
                if (current.status() != BookingStatus.CONFIRMED && !cancelledUnrefunded(current)
                        || !current.paid() || !payment.equals(current.paymentReference())) {
                    return;
                }
                long of = current.paidAmount();
                if (bookings.refundedOutsideAmount(current.id()).map(last -> last == of).orElse(false)) {
                    return; // recorded already (refunded in full)
                }
                if (restLeftToAPerson(current, provider)) {
                    // the rest of a payment part refunded outside the hub, which a person was asked to refund at the
                    // provider: under way, nothing new; made, that mark is settled (no further refund outside the hub)
                    found[0] = pending ? null : restRefundedOutside(current, provider, now());
                    return;
                }
                // a refund under way marked before (its refund_pending delivery): this tells its amount
                boolean underWay = says(current.statusReason(), refundPendingOutside(provider));
                Instant now = now();
                if (pending) {
                    if (!underWay) {
                        note[0] = markOutside(current, provider, refundPendingOutside(provider),
                                refundPendingOutside(provider), null, now);
                    }
                    return;
                }
                bookings.refundedOutside(current.id(), of); // in the transaction of the reason and the mark
                String replacing = underWay ? refundPendingOutsideNote(current, provider) : null;
                String why = refundedInFullOutside(provider, of);
                // the note warns of paying back twice while its payment's dispute is open, a confirmed booking's as a
                // cancelled one's (the person deciding whether the appointment stands answers the dispute too)
                String head = why + " (in full)";
                String made = markOutside(current, provider, why, head, inFullNote(current, provider, head),
                        replacing, now);
                if (underWay && disputeOpen(current)) {
                    // its customer paid back twice should the dispute be lost: told again, should the mark be cleared
                    bookings.needsAttention(current.id(), made, now);
                }
                toldRefundedAfterLateCancel(current, true);
                if (underWay) {
                    settled[0] = true;
                } else {
                    note[0] = made;
                }
            }));
        }
        if (found[0] != null) {
            reportOutside(known.id(), provider, payment, found[0]);
            return true;
        }
        if (settled[0]) {
            log.warn("Booking {}: {} transaction {} is refunded in full outside the hub (its refund under way, marked "
                    + "and counted before); the hub refunds and cancels nothing", known.id(), provider, payment);
            return true;
        }
        if (note[0] == null) {
            log.info("{} transaction {} of booking {} is {}: the booking is not confirmed by it, nor cancelled with no "
                    + "refund by the hub (cancelled or refunded by the hub, paid by another payment), or says so "
                    + "already: no action", provider, payment, known == null ? bookingId : known.id(), status);
            return false;
        }
        reportOutside(known.id(), provider, payment, new Outside(note[0], false, false, false));
        return true;
    }

    /**
     * Whether a confirmed booking is CANCELLED with its refund stopped by a dispute of its payment (cancelled in time
     * while it was open, or its pending refund stopped, {@link #refundStopped}). Not one cancelled before its
     * confirmation ({@link #stoppedUnconfirmed}: a late run of its payment reads that reason to remove an event).
     */
    private static boolean stoppedByDispute(Booking current) {
        return current.status() == BookingStatus.CANCELLED && current.paid() && current.statusReason() != null
                && current.statusReason().startsWith(REFUND_STOPPED) && current.calendarEventId() != null;
    }

    /**
     * A booking whose refund a dispute stopped ({@link #stoppedByDispute}: cancelled in time while its payment was
     * disputed, or its pending refund stopped so), its payment then shown refunded in full at the provider (Payrexx's
     * refunded: a refund in the back office, or the hub's own asked for before the dispute, its answer lost). The
     * customer is paid back: the stopped refund is no longer to make, and its mark's "refund it at payrexx if the
     * dispute was won" would have a person pay them a second time. So its status reason says the payment was refunded
     * outside the hub (the dispute's cancellation reason, which no won dispute restarts a refund from, and the amount,
     * recorded, V24, so a later delivery records nothing again), and the mark's note says the customer is paid back,
     * replacing the stopped refund's where it still is (else marked: a person may act on the note they read); while
     * the dispute is open, the note says that the customer is paid back twice should the dispute be lost as well.
     * Its part refunded before (after the stop, {@link #stoppedRefundPartlyMade}, or before the cancel,
     * {@link #outsideMadeCancelled}; counted then), its note asking for the rest is the one replaced; its refund under
     * way before ({@link #stoppedRefundUnderWayOutside}), that one's. Under the booking's row lock (the caller's), in
     * one transaction. Answers what it found, to log and count once: not counted when it may be the hub's own refund
     * (a refund of this booking the hub asked for lost its answer, V30), nor for the rest of a part, or a refund under
     * way, counted before; null when recorded already.
     */
    private Outside stoppedRefundMadeOutside(Booking current, String provider, Instant now) {
        long of = current.paidAmount();
        if (bookings.refundedOutsideAmount(current.id()).map(last -> last >= of).orElse(false)) {
            return null; // recorded already
        }
        DisputeStatus dispute = bookings.disputeStatus(current.id()).orElse(null);
        String why = refundedInFullOutside(provider, of);
        String reason = appended(dispute == DisputeStatus.LOST ? CANCELLED_DISPUTE_LOST : CANCELLED_DISPUTED, why);
        bookings.refundedOutside(current.id(), of);
        bookings.transition(current.id(), List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED, reason, now);
        boolean maybeTheHubs = bookings.refundAnswerLost(current.id());
        String note = why + " (in full): the customer is paid back, its refund stopped by the dispute is not to be "
                + "made" + (maybeTheHubs ? " (it may be the hub's own refund, asked for "
                + "before the dispute, its answer lost)" : "")
                + (dispute == DisputeStatus.OPEN ? "; " + disputeStillOpen(current, provider)
                : ": check it at " + provider);
        // its part refunded before (stoppedRefundPartlyMade), told with the rest left to refund, its refund under way
        // (stoppedRefundUnderWayOutside), or the stop's own
        boolean part = says(current.statusReason(), PART_REFUNDED + provider);
        boolean pending = stoppedPending(current, provider);
        boolean replaced = part ? bookings.attentionNoteReplaced(current.id(), stoppedPartNote(current, provider), note)
                : pending ? stoppedPendingNoteReplaced(current, provider, note)
                : bookings.attentionNoteReplaced(current.id(), stoppedForGoodNote(current), note);
        if (!replaced) {
            bookings.needsAttention(current.id(), note, now);
        }
        // counted as a refund outside the hub once: not again for the rest of a part, nor for a refund under way,
        // counted before, nor for what may be the hub's own refund (asked for before the dispute, its answer lost: V30)
        return part || pending || maybeTheHubs ? Outside.other(note, false) : new Outside(note, false, false, false);
    }

    /**
     * A booking whose refund a dispute stopped ({@link #stoppedByDispute}), its payment then shown with a refund under
     * way at the provider (Payrexx's refund_pending: a refund in the back office, or the hub's own asked for before the
     * dispute, its answer lost). It names no amount and may end partially-refunded, or fail: so the booking stays
     * stopped by the dispute (its reason kept, the refund under way after it), and the mark's note, replacing the
     * stopped refund's (else marked), still asks a person to refund what that refund does not pay back should the
     * dispute be won. The refunded or partially-refunded delivery that follows then acts as for any stopped booking
     * ({@link #stoppedRefundMadeOutside}, {@link #stoppedRefundPartlyMade}), counting nothing again. Counted once, as a
     * refund outside the hub, unless it may be the hub's own (V30). One part of whose payment was refunded already
     * ({@link #stoppedRefundPartlyMade}, {@link #outsideMadeCancelled}) is left as it is: the refunded delivery tells
     * the rest. Under the booking's row lock (the caller's). Null when nothing changed.
     */
    private Outside stoppedRefundUnderWayOutside(Booking current, String provider, Instant now) {
        String underWay = refundPendingOutside(provider);
        if (says(current.statusReason(), PART_REFUNDED + provider) || says(current.statusReason(), underWay)) {
            return null;
        }
        if (!bookings.transition(current.id(), List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED,
                appended(current.statusReason(), underWay), now)) {
            return null;
        }
        String note = stoppedPendingNote(current, provider);
        if (!bookings.attentionNoteReplaced(current.id(), stoppedForGoodNote(current), note)) {
            bookings.needsAttention(current.id(), note, now);
        }
        return bookings.refundAnswerLost(current.id())
                ? Outside.other(note + " (it may be the hub's own refund, asked for before the dispute, its answer "
                + "lost: not counted)", false)
                : new Outside(note, false, false, false);
    }

    /**
     * The note of the mark {@link #stoppedRefundUnderWayOutside} gives a booking. The pending refund may still fail,
     * and no transaction status the hub knows of tells a failed refund (Payrexx documents none: the refunded or
     * partially-refunded delivery that settles it may never come), so the note says so: a person relying on it would
     * otherwise refund only part of a payment nothing was paid back of.
     */
    private static String stoppedPendingNote(Booking booking, String provider) {
        return stoppedPendingNoteBefore(booking, provider) + " (it may still fail, and no " + provider + " status "
                + "the hub knows of tells a failed refund: check at " + provider + " that it was paid out, else "
                + "nothing was paid back)";
    }

    /** The note {@link #stoppedPendingNote} gave before it told that the pending refund may fail (marks made then). */
    private static String stoppedPendingNoteBefore(Booking booking, String provider) {
        return refundPendingOutside(provider) + ": its refund is stopped by the dispute of " + provider + " payment "
                + booking.paymentReference() + ", whose outcome " + provider + " does not report: once it is "
                + "decided, refund at " + provider + " what the pending refund does not pay back if the dispute was won";
    }

    /** {@link #stoppedPendingNote} replaced by {@code note} in the booking's mark, or its earlier wording. */
    private boolean stoppedPendingNoteReplaced(Booking current, String provider, String note) {
        return bookings.attentionNoteReplaced(current.id(), stoppedPendingNote(current, provider), note)
                || bookings.attentionNoteReplaced(current.id(), stoppedPendingNoteBefore(current, provider), note);
    }

    /**
     * Whether a booking whose refund a dispute stopped has a refund under way at the provider in its reason
     * ({@link #stoppedRefundUnderWayOutside}): counted then, unless it may have been the hub's own (V30).
     */
    private static boolean stoppedPending(Booking current, String provider) {
        return says(current.statusReason(), refundPendingOutside(provider));
    }

    /**
     * A booking whose refund a dispute stopped ({@link #stoppedByDispute}), part of its payment then shown refunded at
     * the provider (Payrexx's partially-refunded, no amount given: a refund in the back office, the hub's own being of
     * the whole). The refund stays stopped (a won dispute leaves what is left owed), the part after its reason, and the
     * mark's note, replacing the stopped refund's (else marked), asks a person to refund what is left, not the whole,
     * should the dispute be won. Counted once, as a refund outside the hub: a refund under way marked before
     * ({@link #stoppedRefundUnderWayOutside}), which this part is, was counted then (its part of the reason and its
     * note replaced now), unless it may have been the hub's own (V30: the hub's refunds the whole payment, so a part
     * is counted now). Under the booking's row lock (the caller's). Null when the reason says so already.
     */
    private Outside stoppedRefundPartlyMade(Booking current, String provider, Instant now) {
        String part = PART_REFUNDED + provider + " (amount not given)";
        if (says(current.statusReason(), part)) {
            return null;
        }
        // a refund under way before (stoppedRefundUnderWayOutside) is this part: told by it now
        boolean pending = stoppedPending(current, provider);
        bookings.transition(current.id(), List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED,
                appended(withoutParts(current.statusReason(), REFUNDED_OUTSIDE), part), now);
        String note = stoppedPartNote(current, provider);
        if (!(pending ? stoppedPendingNoteReplaced(current, provider, note)
                : bookings.attentionNoteReplaced(current.id(), stoppedForGoodNote(current), note))) {
            bookings.needsAttention(current.id(), note, now);
        }
        // counted once: the refund under way was, unless it may have been the hub's own (V30), which refunds the
        // whole payment: a part is none of the hub's
        return pending && !bookings.refundAnswerLost(current.id()) ? Outside.other(note, false)
                : new Outside(note, false, false, false);
    }

    /** The note of the mark {@link #stoppedRefundPartlyMade} gives a booking. */
    private static String stoppedPartNote(Booking booking, String provider) {
        return PART_REFUNDED + provider + " (amount not given): its refund is stopped by the dispute of " + provider
                + " payment " + booking.paymentReference() + ", whose outcome " + provider + " does not report: once "
                + "it is decided, refund what is left at " + provider + " if the dispute was won";
    }

    /** The status reason's part of a payment {@code of} refunded in full outside the hub at {@code provider}. */
    private static String refundedInFullOutside(String provider, long of) {
        return REFUNDED_OUTSIDE + ": " + provider + " shows " + of + " of the payment's " + of
                + " refunded outside the hub";
    }

    /** Whether the dispute of the booking's payment, as stored, is open. */
    private boolean disputeOpen(Booking current) {
        return bookings.disputeStatus(current.id()).orElse(null) == DisputeStatus.OPEN;
    }

    /**
     * How the mark of a cancelled booking whose payment was refunded in full outside the hub ends: while its payment's
     * dispute is open, that the customer is paid back twice should it be lost as well ({@link #disputeStillOpen}),
     * as a refund a dispute stopped then made outside the hub says; else that a person checks it at the provider.
     */
    private String paidBackInFull(Booking current, String provider) {
        return disputeOpen(current) ? ": the customer is paid back; " + disputeStillOpen(current, provider)
                : ": check it at " + provider;
    }

    /** The warning of a payment refunded in full whose dispute is still open. */
    private static String disputeStillOpen(Booking current, String provider) {
        return "the dispute of " + provider + " payment " + current.paymentReference() + " is still open: should it "
                + "be lost as well, the customer is paid back twice (tell " + provider + " the payment was refunded)";
    }

    /**
     * Whether a booking cancelled in time after part of its payment was refunded outside the hub
     * ({@link #CANCELLED_PART_REFUNDED_OUTSIDE}) waits for a person to refund the rest at the provider
     * ({@link #outsideMadeCancelled}): its part's note still in its reason.
     */
    private static boolean restLeftToAPerson(Booking current, String provider) {
        return current.status() == BookingStatus.CANCELLED && current.statusReason() != null
                && current.statusReason().startsWith(CANCELLED_PART_REFUNDED_OUTSIDE)
                && says(current.statusReason(), PART_REFUNDED + provider + " (amount not given)");
    }

    /**
     * A booking waiting for a person to refund the rest of its payment at the provider ({@link #restLeftToAPerson}),
     * its payment now shown refunded in full (Payrexx's refunded): the person did what was asked. Its reason tells the
     * rest refunded (the part's note replaced, the amount recorded, V24, so a later delivery records nothing), and
     * the mark's "refund what is left" note is settled: removed (the mark cleared when nothing else is left), or,
     * the payment's dispute still open, replaced by the warning that the customer is paid back twice should it be
     * lost. Not a further refund outside the hub: neither counted nor marked again. Under the booking's row lock (the
     * caller's). Answers what it found, logged, not counted.
     */
    private Outside restRefundedOutside(Booking current, String provider, Instant now) {
        long of = current.paidAmount();
        String rest = REST_REFUNDED + provider + " too: " + provider + " shows " + of + " of the payment's " + of
                + " refunded";
        String part = PART_REFUNDED + provider + " (amount not given)";
        bookings.refundedOutside(current.id(), of);
        bookings.transition(current.id(), List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED,
                appended(withoutParts(current.statusReason(), PART_REFUNDED), rest), now);
        String asked = restLeftNote(part, provider);
        if (disputeOpen(current)) {
            String note = rest + ": the customer is paid back; " + disputeStillOpen(current, provider);
            if (!bookings.attentionNoteReplaced(current.id(), asked, note)) {
                bookings.needsAttention(current.id(), note, now);
            }
            return Outside.other(note, false);
        }
        boolean settled = bookings.attentionNoteDone(current.id(), asked);
        return Outside.other(rest + ": the customer is paid back in full; " + (settled ? "its mark's \"refund what "
                + "is left\" settled" : "its mark no longer asked for it") + ", nothing counted again", false);
    }

    /**
     * What the refunds that succeeded or are on their way refund, less those carrying the hub's mark (its bookings'
     * and its payments API's) and the booking's own refund ({@code hubsRefund}, its refund_reference: one made before
     * the hub marked its refunds carries no mark).
     */
    private static long outsideHub(List<StripeCommands.RefundResult> refunds, String hubsRefund,
                                   Set<String> apiOutside) {
        return refunds.stream()
                .filter(r -> r.refunding() && (r.mark() == null || r.mark().isBlank() || apiOutside.contains(r.id()))
                        && (hubsRefund == null || !hubsRefund.equals(r.id())))
                .mapToLong(StripeCommands.RefundResult::amount).sum();
    }

    /**
     * What the refunds through the hub's refund endpoint ({@link StripeCommands#BY_API}) classed outside the hub
     * ({@code apiOutside}) refund, those refunding.
     */
    private static long throughTheApi(List<StripeCommands.RefundResult> refunds, Set<String> apiOutside) {
        return refunds.stream().filter(r -> r.refunding() && StripeCommands.BY_API.equals(r.mark())
                        && apiOutside.contains(r.id()))
                .mapToLong(StripeCommands.RefundResult::amount).sum();
    }

    /**
     * The ids of the payment's refunds through the hub's refund endpoint that are outside the hub for the booking:
     * each classed once, the first time a charge.refunded lists it, by the booking's status then
     * ({@link #apiRefundsAreTheHubsOwn}), and recorded (V42; under the booking's row lock, the caller's, in its
     * transaction); a refund classed before keeps its class whatever the booking's status now. Before, each event
     * classed them again: a part refunded by an operator while the booking was CONFIRMED (outside the hub, recorded
     * and marked), then a cancel in time, and the hub's refund's echo found the booking REFUNDED, took the operator's
     * part for the hub's own, and undid its record ("nothing refunded outside the hub any more").
     */
    private Set<String> apiRefundsOutside(Booking current, List<StripeCommands.RefundResult> refunds) {
        Map<String, Boolean> classed = bookings.apiRefundClasses(current.id());
        Set<String> outside = new java.util.HashSet<>();
        Instant now = null;
        for (StripeCommands.RefundResult refund : refunds) {
            if (!StripeCommands.BY_API.equals(refund.mark()) || refund.id() == null) {
                continue;
            }
            Boolean was = classed.get(refund.id());
            if (was == null) {
                was = !apiRefundsAreTheHubsOwn(current) || madeBeforeTheCancel(current, refund);
                now = now == null ? now() : now;
                bookings.apiRefundClassed(current.id(), refund.id(), was, now);
                classed.put(refund.id(), was);
            }
            if (was) {
                outside.add(refund.id());
            }
        }
        return outside;
    }

    /**
     * Whether an operator's refund that the booking's status now would take for the hub's own was made before a
     * cancel of it was first asked (V40, recorded only while it is confirmed): made while it was confirmed, so outside
     * the hub, however late its charge.refunded is handled (Stripe retries for days, and its events come in any
     * order). Judged by Stripe's {@code created} (whole seconds: only one made before the second of the ask counts;
     * Stripe's clock and the hub's may differ by a little), so a refund made after a cancel in time, for the booking
     * waiting for its refund, stays the hub's own. Before, it was classed by the status when its event was first
     * handled: a delivery delayed past a cancel in time stored the operator's part as the hub's own for good. No
     * ask recorded (a booking never confirmed, or cancelled otherwise), or no {@code created}: the status decides.
     */
    private boolean madeBeforeTheCancel(Booking current, StripeCommands.RefundResult refund) {
        if (refund.created() == null || current.status() == BookingStatus.CONFIRMED) {
            return false;
        }
        return bookings.cancelAskedAt(current.id())
                .map(asked -> refund.created().isBefore(asked.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))
                .orElse(false);
    }

    /**
     * Whether refunds made through the hub's refund endpoint (marked {@code api}) are the hub's own for this booking:
     * not for a confirmed one, nor one cancelled with no refund of the hub's to come (after the cut-off, say), where
     * such a refund pays the customer back as one in the Dashboard would (a person's decision, recorded and marked as
     * that one is). Before, every such refund was taken for the hub's own echo: a confirmed booking refunded in full
     * through the endpoint stayed CONFIRMED with no note. One waiting for its refund, or whose refund failed (an
     * operator paying the customer back, as the README says), and one waiting for its confirmation or REFUNDED
     * before it, keep taking it as the hub's.
     */
    private static boolean apiRefundsAreTheHubsOwn(Booking current) {
        if (current.status() == BookingStatus.CONFIRMED) {
            return false;
        }
        if (current.status() != BookingStatus.CANCELLED) {
            return true;
        }
        String reason = current.statusReason();
        return reason != null && (REFUND_PENDING.contains(reason) || reason.startsWith(REFUND_FAILED));
    }

    /**
     * The payment's refunds: Stripe's list of the Payment Intent's refunds (every page), through the same route,
     * breaker and rate limiter as a refused refund's look-up. A failure fails the event (no guess recorded).
     */
    private List<StripeCommands.RefundResult> refundsOf(String payment) {
        try {
            return template.requestBody(StripeRoutes.REFUNDS, payment, StripeCommands.RefundList.class).refunds();
        } catch (CamelExecutionException e) {
            throw Causes.hubErrorOr(e);
        }
    }

    /** A status reason less its parts (joined by "; ") beginning with {@code prefix}; null when none is left. */
    private static String withoutParts(String reason, String prefix) {
        if (reason == null) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        for (String part : reason.split("; ")) {
            if (!part.startsWith(prefix)) {
                kept.add(part);
            }
        }
        return kept.isEmpty() ? null : String.join("; ", kept);
    }

    /**
     * {@code part} after a status reason, within the column's 200 characters: the older reason is cut, never the part
     * (whose beginning {@link #withoutParts} finds when a later one replaces it).
     */
    static String appended(String reason, String part) {
        if (reason == null || reason.isBlank()) {
            return part.length() <= 200 ? part : part.substring(0, 200);
        }
        int room = 200 - "; ".length() - part.length();
        if (room <= 0) {
            return part.length() <= 200 ? part : part.substring(0, 200);
        }
        return (reason.length() <= room ? reason : reason.substring(0, room)) + "; " + part;
    }

    /**
     * A dispute decided (Stripe's charge.dispute.closed): won, the payment stands; lost, the customer's bank has taken
     * it back for good; warning_closed, the bank's inquiry ended without a dispute. A CONFIRMED booking it paid gets
     * the outcome in its statusReason, in place of the dispute (other reasons kept); a lost dispute is logged as an
     * error. The outcome is stored on the booking the payment paid (an unknown one leaves the dispute open), and a
     * booking whose refund the dispute stopped has it made after all, or is told lost ({@link #refundAfterDispute}).
     */
    public void paymentDisputeClosed(@Header(WebhookHeaders.PROVIDER) String provider,
                                     @Header(WebhookHeaders.BOOKING_ID) String bookingId,
                                     @Header(WebhookHeaders.PAYMENT_REFERENCE) String payment,
                                     @Header(WebhookHeaders.PAYMENT_STATUS) String outcome,
                                     @Header(WebhookHeaders.DISPUTED_AMOUNT) Long disputed) {
        String why = switch (outcome == null ? "" : outcome) {
            case "won" -> "the payment dispute was won: the payment stands";
            case "lost" -> DISPUTE_LOST + ": the customer's bank has taken the payment back";
            case "warning_closed" -> "the customer's bank closed its inquiry without a dispute: the payment stands";
            default -> "the payment dispute was closed (" + outcome + ")";
        };
        String id = bookingPaidBy(provider, bookingId, payment);
        // an outcome the hub does not know leaves the stored state as it is (open: nothing refunded)
        DisputeStatus.closedAs(outcome).ifPresent(closed -> recordDispute(id, payment, closed));
        boolean marked = markConfirmedKeeping(id, why, DISPUTED);
        if ("lost".equals(outcome) && isPaidBy(id, provider, payment) && disputed != null) {
            bookings.withBookingLock(id, () -> bookings.find(id).ifPresent(current -> excessAfterLostDispute(current,
                    disputed)));
        }
        if ("lost".equals(outcome)) {
            log.error("{} payment {} (booking {}{}): {}", provider, payment, id, marked ? "" : ", not confirmed", why);
        } else {
            log.info("{} payment {} (booking {}{}): {}", provider, payment, id, marked ? "" : ", not confirmed", why);
        }
        refundAfterDispute(id, payment);
    }

    /** The booking a payment event is about: the one it names (Payrexx's transaction), else the one it paid. */
    private String bookingPaidBy(String provider, String bookingId, String payment) {
        if (bookingId != null && !bookingId.isBlank()) {
            return bookingId;
        }
        return payment == null || payment.isBlank() ? null : bookings.idByPayment(provider, payment).orElse(null);
    }

    /**
     * {@code why} added to a booking's status reason, nothing lost: after a re-check's flag (which stays first, as
     * CalendarEventRecheck reads it), before any other reason; cut to the column's 200 characters.
     */
    static String keeping(String old, String why) {
        String reason;
        if (old == null || old.isBlank()) {
            reason = why;
        } else if (CalendarEventRecheck.flagged(old)) {
            String kept = CalendarEventRecheck.unflagged(old);
            int end = old.indexOf("; ");
            reason = (end < 0 ? old : old.substring(0, end)) + "; " + why + (kept == null ? "" : "; " + kept);
        } else {
            reason = why + "; " + old;
        }
        return reason.length() <= 200 ? reason : reason.substring(0, 200);
    }

    /**
     * Whether a status reason says {@code why} already, as {@link #keeping} wrote it: at its start or after a "; ",
     * perhaps cut at the column's 200 characters (then what is left of it ends the reason, and counts only from
     * {@link #SHORTEST_CUT_PART} characters on: a few left, "the cu", would say every reason they begin, and a repeat
     * then wrote nothing).
     */
    static boolean says(String reason, String why) {
        if (reason == null) {
            return false;
        }
        for (int at = 0; at >= 0; at = next(reason, at)) {
            if (reason.startsWith(why, at) || reason.length() >= 200 && reason.length() - at >= SHORTEST_CUT_PART
                    && why.startsWith(reason.substring(at))) {
                return true;
            }
        }
        return false;
    }

    /** The fewest characters of a reason cut at the column's length that {@link #says} takes for the whole. */
    static final int SHORTEST_CUT_PART = 40;

    private static int next(String reason, int at) {
        int end = reason.indexOf("; ", at);
        return end < 0 ? -1 : end + 2;
    }

    /**
     * A CONFIRMED booking's statusReason given {@code why} as {@link #keeping} adds it (a reason saying it already is
     * kept as it is), less the parts beginning with {@code replaced} (a decided dispute's, the dispute); its status
     * kept. False for any other booking, or none.
     */
    private boolean markConfirmedKeeping(String id, String why, String replaced) {
        Booking known = known(id);
        if (known == null) {
            return false;
        }
        // read and written under the booking's row lock: a re-check's flag written in between was lost
        boolean[] marked = {false};
        bookings.withBookingLock(known.id(), () -> bookings.find(known.id()).ifPresent(booking ->
                marked[0] = booking.status() == BookingStatus.CONFIRMED
                        && markConfirmedKeeping(booking, why, replaced)));
        return marked[0];
    }

    private boolean markConfirmedKeeping(Booking booking, String why, String replaced) {
        String old = booking.statusReason();
        if (replaced != null && old != null) {
            List<String> kept = new ArrayList<>();
            for (String part : old.split("; ")) {
                if (!part.startsWith(replaced)) {
                    kept.add(part);
                }
            }
            old = kept.isEmpty() ? null : String.join("; ", kept);
        }
        return says(old, why) && Objects.equals(old, booking.statusReason())
                || markConfirmed(booking.id(), says(old, why) ? old : keeping(old, why));
    }

    /** A CONFIRMED booking's statusReason set, its status kept; false for any other booking, or none. */
    private boolean markConfirmed(String id, String reason) {
        Booking booking = known(id);
        return booking != null && bookings.transition(booking.id(), List.of(BookingStatus.CONFIRMED),
                BookingStatus.CONFIRMED, reason, now());
    }

    /**
     * A repeat of a payment event processed before (its key was recorded): the booking's notifications still unsent
     * are queued again. Its first run may have lost them: a crash, or a broker commit that failed, between the key's
     * commit (database) and the broker's rolled back the messages with the event's acknowledgement, and this
     * redelivery is all that is left of them. A copy of a notification still on the queue is harmless: the sender
     * sends each once. The booking is the event's (Stripe), or the one its Payrexx transaction is for (Payrexx's
     * events name their booking only in the transaction: PayrexxEvents.bookingOfRepeat).
     */
    public void queueUnsentAgain(@Header(WebhookHeaders.BOOKING_ID) String named) {
        Booking booking = known(named);
        if (booking == null) {
            return;
        }
        String id = booking.id(); // as stored: the event may name it in upper case
        for (var unsent : notifications.unsentOf(id)) {
            var requeue = requeueUnsent(id, unsent.kind(), unsent.occasion());
            log.info("Booking {}: its {} {} notification(s), still unsent, queued again on a repeated event", id,
                    requeue.queued().size(), unsent.kind());
        }
    }

    /**
     * The booking's payment page expired: the slot is released. Only its own page, the Checkout Session recorded on
     * it: another session naming the booking (made through the payments API, or one the hub never recorded) says
     * nothing of the booking's own page, which may still be open or its delayed payment processing. False when that
     * changed nothing.
     */
    public boolean releaseHold(@Header(WebhookHeaders.BOOKING_ID) String named,
                               @Header(WebhookHeaders.CHECKOUT_SESSION) String session) {
        Booking booking = known(named);
        if (booking == null) {
            return false;
        }
        String bookingId = booking.id(); // as stored: the event may name it in upper case
        if (session == null || !session.equals(booking.paymentReference())) {
            log.info("Booking {}: Checkout Session {} expired, not the payment page recorded on it ({}): nothing "
                    + "changed", bookingId, session, booking.paymentReference());
            return false;
        }
        if (bookings.expireUnlessHeldLonger(bookingId, madeHoldEnd(booking), "the payment page expired", now())) {
            log.info("Booking {} hold released: payment page expired", bookingId);
            return true;
        }
        if (booking.status() == BookingStatus.PENDING_PAYMENT && !booking.paid()) {
            log.info("Booking {}: its payment page {} expired, its hold kept until {}: a delayed payment is "
                    + "processing", bookingId, session, booking.holdExpiresAt());
        }
        return false;
    }

    /** The end of the hold the booking was made with: one ending later was extended for a processing payment. */
    private Instant madeHoldEnd(Booking booking) {
        return booking.createdAt().plus(properties.hold());
    }

    /**
     * Cancels a booking: an unpaid one frees its slot; a paid one not yet confirmed is refunded in full (the hub never
     * confirmed it); a confirmed one loses its event and, in time, is refunded, unless its payment is disputed with
     * the customer's bank or the dispute was lost (then the dispute settles the payment: cancelledDisputed); once its
     * appointment has begun, a confirmed one is no longer cancelled (begunRefusesCancel).
     */
    public Booking cancel(String bookingId) {
        Booking booking = bookings.find(bookingId).orElseThrow(() -> new NotFoundException("No booking with id " + bookingId));
        Instant now = now();
        switch (booking.status()) {
            case PENDING_PAYMENT, PAYMENT_FAILED, EXPIRED -> {
                boolean cancelled = booking.paid()
                        ? bookings.cancelUnconfirmed(bookingId, CANCELLED_UNCONFIRMED, now)
                        : bookings.transition(bookingId, PAYABLE, BookingStatus.CANCELLED, "cancelled before payment",
                        now);
                if (!cancelled) {
                    return cancel(bookingId); // paid or confirmed meanwhile: cancelled as it is now
                }
                if (booking.paid()) {
                    refundCancelled(booking);
                } else if (booking.status() == BookingStatus.PENDING_PAYMENT) {
                    paymentPages.close(booking); // no one pays for the released slot
                }
            }
            case REFUNDED -> {
                if (toldUntoldCancellation(bookingId)) {
                    return bookings.find(bookingId).orElseThrow();
                }
                throw new InvalidStateException("A booking that is REFUNDED cannot be cancelled");
            }
            case CANCELLED -> {
                if (toldUntoldCancellation(bookingId)) {
                    return bookings.find(bookingId).orElseThrow();
                }
                if (!cancelledUnconfirmed(booking, booking) && !CANCELLED_CONFIRMED.equals(booking.statusReason())) {
                    throw new InvalidStateException("A booking that is CANCELLED cannot be cancelled");
                }
                refundCancelled(booking); // a cancellation whose refund failed (the provider down): tried again
            }
            case CONFIRMED -> {
                begunRefusesCancel(booking, now);
                // Google has no event from the DELETE on, the booking is CANCELLED only once that commits: the change
                // is recorded as under way first, as a reschedule's move is, so that a re-check of the bookings'
                // events in between neither flags the booking as deleted in Google nor compares it at all
                Integer change = bookings.eventChangeBegins(bookingId, now, changeTimeout.duration());
                if (change == null) {
                    if (bookings.find(bookingId).map(b -> b.status() == BookingStatus.CONFIRMED).orElse(false)) {
                        // a reschedule (or another cancel) of it waits for Google: asked again once that has ended
                        throw new InvalidStateException("This booking is being moved or cancelled by another request; "
                                + "ask again", askAgainAfter(bookingId, now));
                    }
                    return cancel(bookingId); // no longer confirmed (cancelled meanwhile): as it is now
                }
                // read again under the marker: a move (or a re-check following its event) may have committed since
                // the first read, and the refund's cut-off counts from the start it has now
                Booking marked = bookings.find(bookingId).orElseThrow();
                String[] disputed = {null};
                boolean[] refund = {false};
                boolean cancelled;
                try {
                    begunRefusesCancel(marked, now);
                    // judged from the first cancel that reached the hub, recorded before Google is asked: one that
                    // Google failed (502/503, the booking left CONFIRMED) and is asked again after the cut-off is
                    // refunded as first asked; before, the later ask's time decided, and the customer lost the refund
                    // to the outage. Recorded only once the cancel can go ahead (one refused 409 because the start
                    // passed while it waited is no ask), and inside the try: a failure to record it ends the change
                    Instant asked = bookings.firstCancelAsk(bookingId, now);
                    boolean inTime = refundable(marked, asked.isBefore(now) ? asked : now);
                    boolean removed = false;
                    try {
                        removeEventOfCancel(marked);
                        removed = true;
                        // committed before the provider is asked, with the cut-off decided now: a refund that fails
                        // leaves it CANCELLED, refund pending, for a repeated cancel or the retry sweep, however late
                        cancelled = cancelConfirmed(marked, inTime, now, disputed, refund);
                    } catch (RuntimeException failed) {
                        // a PATCH or DELETE that failed may have been applied all the same (its answer lost), and one
                        // that succeeded is followed by no CANCELLED here: the event goes back, as a failed move's does
                        if (removed || !movedNothing(failed)) {
                            keepEventBooked(marked, change);
                        }
                        throw failed;
                    }
                } finally {
                    // (once CANCELLED, no re-check reads the booking and nothing can move it: harmless if left)
                    eventChangeEnds(bookingId, change);
                }
                if (!cancelled) {
                    // cancelled meanwhile, by a cancel that took this one's change for that of a stopped instance
                    // (older than EventChangeTimeout): as it is now
                    return cancel(bookingId);
                }
                if (disputed[0] != null) {
                    log.warn("Booking {} {} (payment {})", bookingId, disputed[0], marked.paymentReference());
                } else if (refund[0]) {
                    refundCancelled(bookings.find(bookingId).orElseThrow());
                }
                // with no refund to make, its notice was logged and queued with the cancellation (cancelConfirmed)
            }
            default -> throw new InvalidStateException("A booking that is " + booking.status() + " cannot be cancelled");
        }
        return bookings.find(bookingId).orElseThrow();
    }

    /**
     * A repeated cancel of a booking whose customer has no notice logged of how its cancellation ended: cancelled with
     * no refund to make (after the cut-off, in time with no reference, a refund outside the hub under way or made),
     * its refund failed at the provider (refund-failed), or refunded (refund, payment-refunded). Left so by an earlier
     * version, which queued such a notice in a transaction of its own after the change's, when that step failed
     * before its commit. The notice is logged and queued now ({@link #untoldNotice}), and the cancel answered as made;
     * before, it was refused (409) and the customer never told. Answers whether it was.
     */
    private boolean toldUntoldCancellation(String bookingId) {
        boolean[] told = {false};
        DatabaseCommit logged = new DatabaseCommit();
        try {
            toldUntoldCancellation(bookingId, told, logged);
        } catch (RuntimeException failed) {
            if (!logged.committed()) {
                throw failed;
            }
            // only the broker's commit of the notice failed: logged, the recovery sweep queues it
            noticesNotQueued(bookingId, "was told of its cancellation", failed);
        }
        return told[0];
    }

    /** {@link #toldUntoldCancellation}'s transaction, {@code logged} watching it; {@code told} set to its outcome. */
    private void toldUntoldCancellation(String bookingId, boolean[] told, DatabaseCommit logged) {
        bookings.withBookingLock(bookingId, () -> bookings.find(bookingId).ifPresent(current -> {
            logged.watch();
            String kind = untoldNotice(current, notifications.kindsOf(bookingId));
            if (kind == null) {
                return;
            }
            log.info("Booking {} is {}, but its customer has no notice of it logged: told now ({})", bookingId,
                    current.status(), kind);
            notifyOnce(bookingId, kind);
            told[0] = true;
        }));
    }

    /**
     * The notice a cancelled or refunded booking's customer is owed and has none of logged ({@code kinds}), null for
     * none: a confirmed booking cancelled with no refund to make, its cancellation's ({@link #cancellationNotice})
     * unless one of that outcome (SAME_OUTCOME) is logged; one whose refund failed at the provider (not one never
     * confirmed: its customer was told of the refund, a person settles the rest), refund-failed; a refunded one, its
     * refund's ({@link #refundNotice}) unless one of that outcome is logged. A refund still pending is not one: a
     * repeated cancel makes it (or fails it again), and either tells the customer. Nor is a refund only under way at
     * the provider ({@link #refundUnderWay}): its customer is told once the provider says it is made, and it may yet
     * fail.
     */
    private String untoldNotice(Booking current, Set<String> kinds) {
        String reason = current.statusReason();
        if (current.status() == BookingStatus.REFUNDED) {
            // (one paid back in full outside the hub is told so, not of a refund: that kind logged is told too)
            String kind = refundNotice(current);
            return REFUND_TOLD.stream().anyMatch(kinds::contains) || kinds.contains(kind) || refundUnderWay(current)
                    ? null : kind;
        }
        if (current.status() != BookingStatus.CANCELLED || reason == null) {
            return null;
        }
        if (reason.startsWith(REFUND_FAILED) && !reason.endsWith(NEVER_CONFIRMED)) {
            return kinds.contains(REFUND_FAILED_NOTICE) ? null : REFUND_FAILED_NOTICE;
        }
        boolean unrefunded = CANCELLED_NO_REFERENCE.equals(reason) || reason.startsWith(CANCELLED_LATE)
                || reason.startsWith(CANCELLED_REFUND_OUTSIDE) || reason.startsWith(CANCELLED_REFUNDED_OUTSIDE)
                || reason.startsWith(CANCELLED_PART_REFUNDED_OUTSIDE);
        // a cancellation's notice of any kind (SAME_OUTCOME) logged: told, its sending the sender's and the recovery
        // sweep's to finish
        if (!unrefunded || CANCELLATION_TOLD.stream().anyMatch(kinds::contains)) {
            return null;
        }
        return cancellationNotice(current, bookings.disputeStatus(current.id()).orElse(null));
    }

    /**
     * A confirmed booking whose appointment has begun (or is over) is not cancelled: 409, its event left alone and
     * nothing sent. Cancelled, it lost the practice's record of the appointment (its Google event deleted) and its
     * customer was told of the cancellation of an appointment already held; a reschedule refuses it as well. A paid
     * booking never confirmed is not one: cancelled as before, refunded in full.
     */
    private static void begunRefusesCancel(Booking booking, Instant now) {
        if (begun(booking, now)) {
            throw new InvalidStateException("A confirmed booking can be cancelled until its start; this one started "
                    + Rfc3339.format(booking.start()));
        }
    }

    /**
     * A CONFIRMED booking made CANCELLED, its reason decided under its row lock from the cut-off ({@code inTime}) and
     * its payment's dispute as stored then ({@link #cancelledDisputed}): an outcome recorded meanwhile either
     * committed first, and is read here, or waits for this, and then finds the refund stopped and restarts it. A
     * disputed cancellation's notice is queued in the same transaction, so it comes before a refund made on the
     * dispute's outcome; so is that of one with no refund to make, so that no cancellation commits without it.
     * {@code disputed}, {@code refund}: set to the disputed reason, or whether a refund is to make.
     * A refund made outside the hub under way at the provider ({@link #refundPendingOutside}) is kept after the
     * reason, whatever it is (a dispute's too), so that its later refunded delivery settles it rather than being
     * taken for another refund; the hub refunds nothing then, so in time its open dispute stops no refund of the
     * hub's (CANCELLED_DISPUTED, not a stopped refund a won dispute would make, or a person be asked to make). So too a
     * Payrexx refund outside the hub reported made ({@link #refundMadeOutside}): in time, nothing is asked of Payrexx,
     * which would refuse it (after a refund in full nothing is left; a part's amount Payrexx does not give, so what is
     * left is a person's to refund), and the refund's note is kept after the reason ({@link #outsideMadeCancelled}),
     * a part's too after a dispute's reason (its refund stopped, or the dispute lost) and after the cut-off's: the part
     * was counted, and its later refunded delivery, reading it, is taken for the rest, not for the whole refund made
     * outside the hub again. A Stripe refund outside the hub (charge.refunded's unmarked refunds) is kept so after the
     * cut-off, the customer then told what was refunded ({@link #cancellationNotice}); in time Stripe is asked as ever,
     * the mark's note then a cancelled one's ({@link #stripeOutsideCancelledInTime}) and the refund's part kept after
     * the reason once refunded ({@link #refundedConfirmedReason}), or at once after a dispute's reason.
     */
    private boolean cancelConfirmed(Booking marked, boolean inTime, Instant now, String[] disputed, boolean[] refund) {
        String bookingId = marked.id();
        boolean[] cancelled = {false};
        DatabaseCommit cancel = new DatabaseCommit();
        try {
            cancelConfirmed(marked, inTime, now, disputed, refund, cancelled, cancel);
        } catch (RuntimeException failed) {
            if (!cancel.committed()) {
                throw failed;
            }
            // only what follows the database's commit failed (the broker's commit of its notice)
            noticesNotQueued(bookingId, "cancelled", failed);
        }
        return cancelled[0];
    }

    /** {@link #cancelConfirmed}'s transaction, {@code cancel} watching it; {@code cancelled} set to its outcome. */
    private void cancelConfirmed(Booking marked, boolean inTime, Instant now, String[] disputed, boolean[] refund,
                                 boolean[] cancelled, DatabaseCommit cancel) {
        String bookingId = marked.id();
        bookings.withBookingLock(bookingId, () -> {
            cancel.watch();
            // a payment disputed with the customer's bank is settled by the dispute: a refund too would pay the
            // customer back twice (and Stripe may refuse it, leaving the refund pending for the sweep to fail on)
            String dispute = cancelledDisputed(bookings.disputeStatus(bookingId).orElse(null), inTime);
            // a refund under way at the provider, made outside the hub (read under the lock: its delivery may have
            // committed since the first read), pays the customer back: a refund by the hub too would pay them twice
            String underWay = refundPendingOutside(marked.provider());
            Booking current = bookings.find(bookingId).orElse(marked);
            boolean outside = says(current.statusReason(), underWay);
            // a refund outside the hub made already (Payrexx's refunded or partially-refunded delivery, read under the
            // lock as the refund under way is): the hub refunds only what is left, which Payrexx names for neither;
            // Stripe's charge.refunded only after the cut-off (in time, Stripe is asked and refunds what is left)
            String madeOutside = outside ? null : refundMadeOutside(current, inTime);
            // (a Stripe part, "… shows 3000 of the payment's 9000 …", begins as a refund in full does)
            boolean inFull = madeOutside != null && refundedInFullOutside(madeOutside);
            // no refund of the hub's to stop: one the dispute, once won, restarted would pay the customer back twice
            disputed[0] = (outside || inFull) && dispute != null && dispute.startsWith(REFUND_STOPPED)
                    ? CANCELLED_DISPUTED : dispute;
            refund[0] = inTime && marked.paymentReference() != null && disputed[0] == null && !outside
                    && madeOutside == null;
            // a Stripe refund outside the hub in time, the cancel disputed: kept after the dispute's reason, as its
            // charge.refunded after the cancel keeps it (a won dispute's refund then asks Stripe for what is left)
            String madeDisputed = inTime && disputed[0] != null && !outside && madeOutside == null
                    && StripeConfig.PROVIDER.equals(current.provider()) && current.paid()
                    ? stripeRefundMadeOutside(current) : null;
            String reason = disputed[0] != null ? disputed[0] : refund[0] ? CANCELLED_CONFIRMED
                    : inTime && outside ? CANCELLED_REFUND_OUTSIDE
                    : inTime && madeOutside != null ? (inFull ? CANCELLED_REFUNDED_OUTSIDE
                    : CANCELLED_PART_REFUNDED_OUTSIDE)
                    : inTime ? CANCELLED_NO_REFERENCE : CANCELLED_LATE;
            if (madeDisputed != null) {
                reason = appended(reason, madeDisputed);
            }
            if (outside) {
                // kept after the cancellation's reason, so its refunded (or partially-refunded) delivery settles it,
                // as it would have the confirmed booking's, and is not taken for another refund, counted again
                reason = reason + "; " + underWay;
            } else if (madeOutside != null) {
                // how much it was, for a person and a later delivery, whatever the dispute or the cut-off says: a part
                // dropped here would leave its refunded delivery to be taken for the whole refund made, counted again
                reason = appended(reason, madeOutside);
            }
            cancelled[0] = bookings.transition(bookingId, List.of(BookingStatus.CONFIRMED), BookingStatus.CANCELLED,
                    reason, now);
            if (cancelled[0] && outside) {
                outsidePendingCancelled(marked, inTime, now);
            }
            if (cancelled[0] && madeOutside != null) {
                outsideMadeCancelled(current, madeOutside, inFull, inTime, disputed[0], now);
            }
            if (cancelled[0] && (refund[0] || madeDisputed != null)) {
                stripeOutsideCancelledInTime(current, now);
            }
            if (cancelled[0] && disputed[0] != null) {
                notifyOnce(bookingId, CANCELLATION_DISPUTED);
                if (disputed[0].startsWith(REFUND_STOPPED) && madeOutside == null) {
                    // in time, its dispute open: a refund is due should the dispute be won (after a part refunded,
                    // only what is left: outsideMadeCancelled marked it so)
                    stoppedForGood(marked);
                }
            }
            if (cancelled[0] && disputed[0] == null && !refund[0]) {
                // no refund to make: told by the reason it was given (after the cut-off, in time with no reference,
                // a refund outside the hub under way or made), in this transaction as a disputed one is. Queued in
                // one of its own afterwards, a notice whose step failed before its commit (its lock held too long,
                // a database blip, a stop in between) was never logged: the booking CANCELLED, a repeated cancel
                // refused and the recovery sweep finding nothing, the customer was never told
                notifyOnce(bookingId, cancellationNotice(bookings.find(bookingId).orElseThrow(), null));
            }
        });
    }

    /**
     * The mark of a confirmed booking whose refund made outside the hub was under way ({@link #refundPendingOutside})
     * once it is cancelled with no refund by the hub: its note now a cancelled booking's ("check it at"), as a later
     * delivery of that refund reads it. Cancelled in time, the customer was not refunded by the hub, so a person checks
     * that the provider's refund pays them back in full: marked again should a person have cleared it; after the
     * cut-off, nothing was owed by the hub, and a cleared mark stays cleared.
     */
    private void outsidePendingCancelled(Booking confirmed, boolean inTime, Instant now) {
        String head = refundPendingOutside(confirmed.provider());
        String note = head + ": check it at " + confirmed.provider();
        if (!bookings.attentionNoteReplaced(confirmed.id(), outsideNote(confirmed, confirmed.provider(), head), note)
                && inTime) {
            bookings.needsAttention(confirmed.id(), note, now);
        }
        log.warn("Booking {}: cancelled {} while a refund the hub did not make is pending at {} (payment {}): the hub "
                + "refunds nothing{}", confirmed.id(), inTime ? "in time" : "after the cut-off", confirmed.provider(),
                confirmed.paymentReference(), inTime ? "; marked for a person, who refunds what is left" : "");
    }

    /**
     * The note of a refund of a confirmed Payrexx booking's payment made outside the hub, as its status reason tells it
     * once Payrexx reported the refund made (not one under way): in full ({@link #REFUNDED_OUTSIDE}, its refunded
     * delivery, the amount recorded, V24), or in part ({@link #PART_REFUNDED}, its partially-refunded delivery, no
     * amount given); null for none. A Stripe booking's only after the cut-off ({@code inTime} false: its
     * charge.refunded's unmarked refunds, {@link #stripeRefundMadeOutside}): in time, a cancel asks Stripe, which
     * refunds only what is left (and a refused refund of a payment refunded in full is looked up and taken as
     * refunded), the note kept after "cancelled and refunded" then ({@link #refundedConfirmedReason}).
     */
    private String refundMadeOutside(Booking current, boolean inTime) {
        if (!current.paid()) {
            return null;
        }
        if (StripeConfig.PROVIDER.equals(current.provider())) {
            return inTime ? null : stripeRefundMadeOutside(current);
        }
        if (!PayrexxConfig.PROVIDER.equals(current.provider())) {
            return null;
        }
        String provider = current.provider();
        long of = current.paidAmount();
        if (bookings.refundedOutsideAmount(current.id()).map(amount -> amount >= of).orElse(false)) {
            return REFUNDED_OUTSIDE + ": " + provider + " shows " + of + " of the payment's " + of
                    + " refunded outside the hub";
        }
        String part = PART_REFUNDED + provider + " (amount not given)";
        return says(current.statusReason(), part) ? part : null;
    }

    /**
     * The mark of a confirmed Stripe booking part or all of whose payment was refunded outside the hub
     * ({@link #stripeRefundMadeOutside}), once it is cancelled in time, the hub to refund what is left (Stripe refuses
     * a refund of a payment refunded in full, which is then taken as refunded), or its refund stopped by its payment's
     * dispute: its note "… decide whether the appointment stands" (a refund through the hub's endpoint naming its
     * amount after it, kept; its warning of a dispute open then, one no longer open) becomes a cancelled booking's,
     * "… check it at stripe", or, refunded in full while the dispute is open, the warning that the customer is paid
     * back twice should it be lost ({@link #paidBackInFull}), where the mark still is, as when its charge.refunded
     * comes after the cancel; nothing marked anew (nothing is owed a person) unless that warning is due, as a Payrexx
     * cancel's ({@link #outsideMadeCancelled}). Before, the confirmed booking's note stayed on a cancelled, repaid
     * booking until a person cleared it. The refund's part of the reason follows once it is REFUNDED
     * ({@link #refundedConfirmedReason}), or at once after a disputed one's.
     */
    private void stripeOutsideCancelledInTime(Booking confirmed, Instant now) {
        String made = StripeConfig.PROVIDER.equals(confirmed.provider()) ? stripeRefundMadeOutside(confirmed) : null;
        if (made == null) {
            return;
        }
        String provider = confirmed.provider();
        boolean inFull = refundedInFullOutside(made);
        String head = made + (inFull ? " (in full)" : " (in part)");
        String was = outsideNote(confirmed, provider, head);
        String note = head + (inFull ? paidBackInFull(confirmed, provider) : ": check it at " + provider);
        if (!outsideNoteRestated(confirmed, was, note) && inFull && disputeOpen(confirmed)) {
            bookings.needsAttention(confirmed.id(), note, now);
        }
    }

    /**
     * The confirmed booking's note of a refund outside the hub ({@code was}, with or without its warning of a dispute
     * still open, a tail naming a refund through the hub's endpoint after it or not) made {@code note} where the mark
     * still has it, its tail kept. False when the mark does not hold it.
     */
    private boolean outsideNoteRestated(Booking confirmed, String was, String note) {
        String id = confirmed.id();
        String warned = was + "; " + disputeStillOpen(confirmed, confirmed.provider());
        return bookings.attentionNoteReplaced(id, warned, note) || bookings.attentionNoteReplaced(id, was, note)
                || bookings.attentionNoteRestated(id, warned, note) || bookings.attentionNoteRestated(id, was, note);
    }

    /**
     * The status reason of a confirmed booking cancelled in time once the hub refunded it: "cancelled and refunded",
     * a Stripe refund outside the hub made before ({@link #stripeRefundMadeOutside}: recorded, V24, not the excess
     * over the price) after it, as when its charge.refunded comes after the cancel: the hub refunded only the rest (or,
     * refunded in full, nothing). Before, that part was dropped at the cancel.
     */
    private String refundedConfirmedReason(Booking cancelled) {
        String made = StripeConfig.PROVIDER.equals(cancelled.provider()) ? stripeRefundMadeOutside(cancelled) : null;
        return made == null ? REFUNDED_CONFIRMED : appended(REFUNDED_CONFIRMED, made);
    }

    /**
     * The note of a confirmed Stripe booking's payment refunded outside the hub, as its charge.refunded recorded it
     * ({@link #markRefundedOutside}: the amount, V24, and its part of the status reason, "… shows &lt;outside&gt; of
     * the payment's &lt;of&gt; refunded outside the hub"), so a cancel after the cut-off keeps it after its reason as
     * Payrexx's is kept (one in time, after the refund, too); null for none (none recorded, or that refund failed
     * since: its charge.refunded then records 0), or exactly the excess of a payment above its price
     * ({@link #excessRefunded}). Read from the amount's column, not the reason: the column's 200 characters may cut
     * that part (a long reason before it), and the refund was lost at the cancel. What the payment was is the
     * reason's where it still says it (the Charge's amount), else what the booking was paid.
     */
    private String stripeRefundMadeOutside(Booking current) {
        long outside = bookings.refundedOutsideAmount(current.id()).orElse(0L);
        if (outside <= 0 || isTheExcess(current, outside)) {
            return null; // none, or its excess over the price, refunded as a person was asked
        }
        String shown = REFUNDED_OUTSIDE + ": " + current.provider() + " shows ";
        long of = current.paidAmount();
        for (String part : current.statusReason() == null ? new String[0] : current.statusReason().split("; ")) {
            // (only a whole part: one the cut ends within may end inside the payment's amount)
            Matcher said = part.startsWith(shown) && part.endsWith(" refunded outside the hub")
                    ? SHOWN_REFUNDED.matcher(part) : null;
            if (said != null && said.find()) {
                of = Long.parseLong(said.group(2));
            }
        }
        return shown + outside + " of the payment's " + of + " refunded outside the hub";
    }

    /**
     * The mark of a confirmed booking cancelled after a refund of its payment made outside the hub ({@code made},
     * {@link #refundMadeOutside}), {@code inTime}: before the refund cut-off, {@code disputed}: the cancel's disputed
     * reason, null for none. In full: nothing is owed, the confirmed booking's note ("decide whether the appointment
     * stands", with or without its warning of a dispute still open, {@link #confirmedInFullNote}) becomes a cancelled
     * one's where it still is, nothing marked anew unless its dispute is open: then it warns, in time or not, that the
     * customer is paid back twice should the dispute be lost. In part, in time: what is left is owed and unknown to
     * the hub, so a person refunds it at the provider: marked (again, should a person have cleared the confirmed
     * booking's mark), its note replacing the confirmed one's; its refund stopped by the dispute (open), only should
     * the dispute be won, as when the part comes after the stop ({@link #stoppedRefundPartlyMade}). In part after the
     * dispute was lost, or after the cut-off (no refund owed by the hub, whatever the dispute): nothing is owed, the
     * note a cancelled booking's ("check it at"), as when the part comes after such a cancel, nothing marked anew. The
     * appointment is cancelled either way: nothing is left to decide.
     */
    private void outsideMadeCancelled(Booking confirmed, String made, boolean inFull, boolean inTime, String disputed,
                                      Instant now) {
        String provider = confirmed.provider();
        // as the confirmed booking's mark told it: a Stripe part with its amount says "(in part)", Payrexx's none
        String head = inFull ? made + " (in full)" : made.startsWith(REFUNDED_OUTSIDE) ? made + " (in part)" : made;
        String was = outsideNote(confirmed, provider, head);
        boolean stopped = !inFull && disputed != null && disputed.startsWith(REFUND_STOPPED);
        boolean nothingOwed = !inFull && (!inTime || CANCELLED_DISPUTE_LOST.equals(disputed));
        // in full while its payment's dispute is open: paid back twice should it be lost, as when the refund a
        // dispute stopped is made outside the hub (stoppedRefundMadeOutside), so marked again if cleared
        boolean open = inFull && disputeOpen(confirmed);
        String note = inFull ? head + paidBackInFull(confirmed, provider)
                : stopped ? stoppedPartNote(confirmed, provider)
                : nothingOwed ? head + ": check it at " + provider
                : restLeftNote(head, provider);
        // the confirmed booking's note, the dispute's warning in it (its refund came while the dispute was open) or
        // not, a refund through the hub's endpoint named after it or not (before, that tailed note stayed as it was)
        boolean replaced = outsideNoteRestated(confirmed, was, note);
        if (!replaced && (!inFull && !nothingOwed || open)) {
            bookings.needsAttention(confirmed.id(), note, now);
        }
        log.warn("Booking {}: cancelled {} after {} (payment {}): the hub refunds nothing{}", confirmed.id(),
                inTime ? "in time" : "after the cut-off", made, confirmed.paymentReference(), inFull || nothingOwed ? ""
                        : stopped ? "; marked for a person, who refunds what is left should the dispute be won"
                        : "; marked for a person, who refunds what is left");
    }

    /**
     * The note of a confirmed booking's mark for its payment refunded in full outside the hub ({@code head}): a person
     * decides whether the appointment stands; its payment's dispute open, warned that the customer is paid back twice
     * should it be lost as well, as a cancelled booking's note warns ({@link #paidBackInFull}).
     */
    private String confirmedInFullNote(Booking confirmed, String provider, String head) {
        String note = outsideNote(confirmed, provider, head);
        return disputeOpen(confirmed) ? note + "; " + disputeStillOpen(confirmed, provider) : note;
    }

    /**
     * The note of a mark for a payment refunded in full outside the hub ({@code head}), its payment's dispute open or
     * not: a cancelled booking's ({@link #paidBackInFull}), a confirmed one's ({@link #confirmedInFullNote}); any
     * other's a person checks at the provider.
     */
    private String inFullNote(Booking current, String provider, String head) {
        return current.status() == BookingStatus.CANCELLED ? head + paidBackInFull(current, provider)
                : current.status() == BookingStatus.CONFIRMED ? confirmedInFullNote(current, provider, head)
                : outsideNote(current, provider, head);
    }

    /** The note asking a person to refund at the provider what is left of a payment part refunded ({@code part}). */
    private static String restLeftNote(String part, String provider) {
        return part + ": cancelled in time, the rest not refunded by the hub: refund what is left at " + provider;
    }

    /**
     * The status reason of a confirmed booking cancelled without a refund because of its payment's dispute, from the
     * dispute's stored state (V19 took that of bookings disputed before it from their status reasons); null for none,
     * or one won or closed (the payment stands, refunded as any other). One still open: cancelled in time, its refund
     * stopped ({@link #refundStoppedReason}), so a dispute then won makes it (refundAfterDispute) and one lost leaves
     * nothing to refund; after the cut-off, nothing is refunded either way. One lost: the bank has taken the payment
     * back. Not a refund-pending reason: neither a repeated cancel nor the retry sweep refunds it.
     */
    static String cancelledDisputed(DisputeStatus dispute, boolean inTime) {
        if (dispute == DisputeStatus.OPEN) {
            return inTime ? refundStoppedReason(null) : CANCELLED_DISPUTED;
        }
        return dispute == DisputeStatus.LOST ? CANCELLED_DISPUTE_LOST : null;
    }

    /**
     * A paid booking cancelled before its confirmation (by {@link BookingRepository#cancelUnconfirmed}) and the
     * payment that paid it: CANCELLED with its refund to make, or REFUNDED by that cancellation.
     */
    private static boolean cancelledUnconfirmed(Booking current, Booking payment) {
        return current.statusReason() != null && UNCONFIRMED_REASONS.contains(current.statusReason()) // Set.of: no null
                && current.paid()
                && current.calendarEventId() == null
                && Objects.equals(current.paymentReference(), payment.paymentReference());
    }

    /**
     * A paid booking cancelled before its confirmation whose refund a dispute of that payment stopped: as
     * {@link #cancelledUnconfirmed}, an event its confirmation made is removed, but nothing is refunded (settleCancelled
     * refunds only a refund pending) and no cancellation notice is sent.
     */
    private static boolean stoppedUnconfirmed(Booking current, Booking payment) {
        return current.status() == BookingStatus.CANCELLED && current.statusReason() != null
                && current.statusReason().startsWith(REFUND_STOPPED) && current.paid()
                && current.calendarEventId() == null
                && Objects.equals(current.paymentReference(), payment.paymentReference());
    }

    /**
     * A paid booking cancelled before its confirmation whose pending refund a person recorded as settled by hand
     * ({@link #settledByHandReason}): as {@link #stoppedUnconfirmed}, an event its confirmation made is removed, but
     * nothing is refunded and no notice is sent.
     */
    private static boolean settledUnconfirmed(Booking current, Booking payment) {
        return current.status() == BookingStatus.CANCELLED && current.statusReason() != null
                && current.statusReason().startsWith(SETTLED_BY_HAND_UNCONFIRMED) && current.paid()
                && current.calendarEventId() == null
                && Objects.equals(current.paymentReference(), payment.paymentReference());
    }

    /** Whether a booking's refund was recorded as settled by hand by a person ({@link #settledByHandReason}). */
    static boolean settledByHand(Booking current) {
        String reason = current.statusReason();
        return current.status() == BookingStatus.CANCELLED && reason != null
                && (reason.startsWith(SETTLED_BY_HAND_UNCONFIRMED) || reason.startsWith(SETTLED_BY_HAND_CONFIRMED));
    }

    /**
     * The status reason of a booking CANCELLED with its refund pending ({@code pending}, one of
     * {@link #REFUND_PENDING}) once a person paid its customer back another way: no longer one the retry sweep, a
     * repeated cancel or a payment event refunds, nor one the gauge counts. Their {@code note} after it, the whole
     * within the column's 200 characters.
     */
    static String settledByHandReason(String pending, String note) {
        String reason = (CANCELLED_UNCONFIRMED.equals(pending) ? SETTLED_BY_HAND_UNCONFIRMED
                : SETTLED_BY_HAND_CONFIRMED) + ": " + note;
        return reason.length() <= 200 ? reason : reason.substring(0, 200);
    }

    /**
     * A cancellation's refund (the API's or the retry sweep's). A booking never confirmed has its event removed should
     * an attempt have made it; a confirmed one's was removed before its cancellation was committed. A refund that
     * fails (the provider down, or refusing the call) tells the customer it is under way ({@link #notifyRefundPending}).
     */
    private void refundCancelled(Booking booking) {
        try {
            settleCancelled(booking.id());
        } catch (RuntimeException e) {
            if (!DatabaseBusy.is(e)) {
                notifyRefundPending(booking.id(), e);
                throw e;
            }
            // the database gave up waiting for the row lock (connectify.database.lock-timeout): another cancel, the
            // retry sweep or the payment's event holds it
            throw new InvalidStateException("The booking's refund is being made; ask again for its status",
                    Duration.ofSeconds(1));
        }
        if (booking.calendarEventId() == null) {
            removeEventIfMade(booking);
        }
    }

    /**
     * Tells the customer of a booking cancelled whose refund attempt failed (the provider down, or refusing the call)
     * that it is cancelled and its refund being made, once: its cancellation has committed, its calendar event is
     * gone, and the refund may take a retry sweep, days, to make. Under the booking's row lock, in a transaction of its
     * own (the failed attempt's rolled back), and only while it is still CANCELLED with its refund pending (not
     * refunded, settled by hand or stopped by a dispute meanwhile) and not told so already: a repeated cancel or a
     * sweep failing again queues nothing more. A failure to queue it is added to the refund's, which the caller gets;
     * the next failing attempt (the sweep's) queues it.
     */
    private void notifyRefundPending(String bookingId, RuntimeException refundFailure) {
        try {
            bookings.withBookingLock(bookingId, () -> bookings.find(bookingId).ifPresent(booking -> {
                if (booking.status() == BookingStatus.CANCELLED && REFUND_PENDING.contains(booking.statusReason())
                        && !notifications.kindsOf(bookingId).contains(CANCELLATION_REFUND_PENDING)) {
                    notifyOnce(bookingId, CANCELLATION_REFUND_PENDING, null);
                }
            }));
        } catch (RuntimeException notQueued) {
            log.warn("Booking {}: the notice of its pending refund was not queued now ({}); the next failing attempt "
                    + "queues it", bookingId, notQueued.getClass().getSimpleName());
            refundFailure.addSuppressed(notQueued);
        }
    }

    /**
     * Refunds a paid booking cancelled with its refund pending, and tells the customer: one cancelled before its
     * confirmation, in full whatever the cut-off (the hub never confirmed it); a confirmed one cancelled in time. The
     * cancellation was committed first, so no confirmation can take the booking meanwhile; a refund that fails
     * leaves it CANCELLED for a repeated cancel, the retry sweep (or the payment's replayed event) to finish, with the
     * same Idempotency-Key. Under the booking's row lock, so a second cancel and the payment's redelivered event do
     * not refund it at the same time (Payrexx refunds have no idempotency key). A refund asked for that fails
     * without a definite answer is recorded so ({@link #refundMayHaveBeenMade}), once its transaction has rolled back.
     */
    private void settleCancelled(String bookingId) {
        boolean[] asked = {false};
        DatabaseCommit settled = new DatabaseCommit();
        try {
            settleCancelled(bookingId, asked, settled);
        } catch (RuntimeException failed) {
            if (settled.committed()) {
                // only what follows the database's commit failed (the broker's commit of its notice): refunded (or
                // settled otherwise) as stored, its refund's answer not lost
                noticesNotQueued(bookingId, "its cancellation settled", failed);
                return;
            }
            if (asked[0] && refundMayHaveBeenMade(failed)) {
                recordRefundAnswerLost(bookingId, failed);
            }
            throw failed;
        }
    }

    /**
     * {@link #settleCancelled}; {@code asked} set once the provider is asked for the refund, {@code settled} watching
     * its transaction.
     */
    private void settleCancelled(String bookingId, boolean[] asked, DatabaseCommit settled) {
        bookings.withBookingLock(bookingId, () -> {
            settled.watch();
            Booking current = bookings.find(bookingId).orElseThrow();
            boolean refunded = current.status() == BookingStatus.REFUNDED;
            if (current.status() == BookingStatus.CANCELLED && REFUND_PENDING.contains(current.statusReason())) {
                boolean confirmed = CANCELLED_CONFIRMED.equals(current.statusReason());
                DisputeStatus dispute = bookings.disputeStatus(bookingId).orElse(null);
                if (dispute != DisputeStatus.LOST) {
                    // the whole payment goes back now (refunded, a person asked to pay it back, or an open dispute's
                    // for a person to settle), the excess over its price with it: before, its note still asked a
                    // person to refund the excess. A lost dispute's stays: it may have taken part of it only
                    excessNoteDone(current);
                }
                if (dispute != null && dispute.settlesThePayment()) {
                    // its payment disputed (or the dispute lost) before this refund: a paid booking cancelled before
                    // its confirmation, say, whose payment was disputed while that waited. The dispute settles the
                    // payment: refunded as well, the customer would be paid back twice (or nothing is left)
                    String why = dispute == DisputeStatus.LOST ? REFUND_STOPPED_DISPUTE_LOST
                            : refundStoppedReason(null);
                    if (bookings.transition(bookingId, List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED, why,
                            now())) {
                        log.warn("Booking {}: {} (payment {})", bookingId, why, current.paymentReference());
                        notifyUnlessTold(bookingId, b -> CANCELLATION_DISPUTED);
                        if (dispute == DisputeStatus.OPEN) {
                            stoppedForGood(current);
                        }
                    }
                    return;
                }
                asked[0] = true;
                Object answer = refundAnswer(current, null);
                String made = PaymentCommands.refundReference(answer);
                if (made != null) {
                    bookings.refundMade(bookingId, made); // its refund-failed events are matched by this id
                }
                String notMade = PaymentCommands.refundNotMade(answer);
                if (notMade != null) {
                    // Stripe answered the refund as failed or canceled (at once, or the stored answer of a first
                    // attempt replayed for the same Idempotency-Key): not refunded, and asking again with that key
                    // gets the same answer. CANCELLED with the reason a failed refund has, for a person to pay the
                    // customer back (as refundFailed does; its events then find it so, and count nothing again);
                    // the customer is told the booking is cancelled and the refund being looked into
                    String why = refundFailedReason(notMade);
                    if (bookings.transition(bookingId, List.of(BookingStatus.CANCELLED), BookingStatus.CANCELLED, why,
                            now())) {
                        log.error("Booking {}: {} (payment {}, refund {})", bookingId, why, current.paymentReference(),
                                made);
                        metrics.refundFailed(current.provider());
                        notifyOnce(bookingId, REFUND_FAILED_NOTICE);
                        bookings.needsAttention(bookingId, why, now()); // the money is still to pay back, by a person
                    }
                    return;
                }
                refunded = bookings.transition(bookingId, List.of(BookingStatus.CANCELLED), BookingStatus.REFUNDED,
                        confirmed ? refundedConfirmedReason(current) : REFUNDED_UNCONFIRMED, now());
                log.info("Booking {} cancelled{}: payment refunded", bookingId,
                        confirmed ? "" : " before its confirmation");
            }
            if (refunded) {
                notifyRefunded(bookingId);
            }
        });
    }

    /**
     * Whether a refund asked for that failed so may have been made at the provider all the same: not when the provider
     * refused it (400, 401, 403: {@link ProviderException.Kind#REJECTED}; 404, no such payment) or the hub sent it
     * nothing ({@link ProviderException#nothingSent()}: the circuit open, the hub's rate limiter before the first
     * attempt). A timeout, a 5xx, a dropped connection, a 429 after retries (an earlier attempt's answer may have been
     * lost), or a failure after the provider answered (the booking's update): it may have.
     */
    static boolean refundMayHaveBeenMade(RuntimeException failure) {
        if (failure instanceof ProviderException p) {
            return !p.nothingSent() && p.kind() != ProviderException.Kind.REJECTED;
        }
        return !(failure instanceof ValidationException || failure instanceof NotFoundException);
    }

    /**
     * Records on the booking that its refund's answer was lost (V30), for a Payrexx refund seen after a person settled
     * it by hand ({@link #paymentRefundedAfterSettled}): then maybe the hub's own. Best effort, outside the attempt's
     * rolled-back transaction; its failure is added to the refund's.
     */
    private void recordRefundAnswerLost(String bookingId, RuntimeException refundFailure) {
        try {
            bookings.refundAnswerLost(bookingId, now());
        } catch (RuntimeException notRecorded) {
            log.warn("Booking {}: its refund's answer was lost ({}), and that could not be recorded ({}): a refund the "
                    + "provider shows after the refund is settled by hand is taken for the person's own",
                    bookingId, refundFailure.getClass().getSimpleName(), notRecorded.getClass().getSimpleName());
            refundFailure.addSuppressed(notRecorded);
        }
    }

    /**
     * Tries again the refunds of cancelled bookings (paid and not yet confirmed, or confirmed and cancelled in time)
     * whose provider call failed (route
     * booking-retry-refunds, on one instance), those cancelled within connectify.booking.refund-retry-for: later ones
     * are left for someone to look at (the alert RefundsPending has long fired), each marked as needing a person once
     * (V20; {@link #endRefundRetries}).
     * Up to connectify.booking.refund-retry-batch a sweep, those not tried since their cancellation first, then those
     * tried longest ago: each failed try is recorded (BookingRepository#refundTried), so a batch the provider keeps
     * refusing does not hold a later cancellation's refund out of every sweep.
     * Answers how many it settled (refunded, or found refunded by a cancel meanwhile); a failure is logged and tried
     * again next time. A run of that singleton route whose instance no longer leads takes no further booking
     * (SingletonLease): the next leader's run takes them, where both asked the provider for the same refunds.
     */
    public int retryPendingRefunds(Exchange run) {
        BooleanSupplier leads = SingletonLease.forRun(run);
        int settled = 0;
        // the database's clock read once a sweep, not once more per booking: each reading is a statement
        // (DatabaseClock). The sweep's now dates its failed tries and the ends of retries; a refund made, or its
        // answer lost, is dated when it is written, after the provider's call (settleCancelled, as a cancel's)
        Instant now = now();
        Instant since = now.minus(properties.refundRetryFor());
        for (Booking booking : bookings.pendingRefunds(REFUND_PENDING, since, properties.refundRetryBatch())) {
            if (!leads.getAsBoolean()) {
                return settled;
            }
            // one exchange for many bookings: each one's lines name it
            try (var named = BookingMdc.naming(booking.id())) {
                try {
                    refundCancelled(booking);
                    settled++;
                } catch (RuntimeException e) {
                    log.warn("Refund of cancelled booking {} failed again ({}): tried again in {}", booking.id(),
                            e.getClass().getSimpleName(), properties.refundRetryInterval());
                    refundTried(booking, now);
                }
            }
        }
        endRefundRetries(since, now, leads);
        return settled;
    }

    /**
     * A failed try of the sweep recorded on the booking, to the end of the sweeps' line, at the sweep's {@code now}: a
     * booking changed since then (cancelled again) counts as not tried since its change, and is taken first, as
     * such a change asks. Best effort: unrecorded (its row held past the lock timeout, the database failing), it is
     * only taken early again by the next sweep.
     */
    private void refundTried(Booking booking, Instant now) {
        try {
            bookings.refundTried(booking.id(), REFUND_PENDING, now);
        } catch (RuntimeException e) {
            log.warn("Booking {}: its failed refund try was not recorded ({}); the next sweep may take it first",
                    booking.id(), e.getClass().getSimpleName());
        }
    }

    /** The note of a booking whose refund the retry sweep no longer tries. */
    static final String REFUND_RETRIES_ENDED = "its refund was not made and is no longer retried "
            + "(connectify.booking.refund-retry-for): check the refund at the provider first (an attempt whose answer "
            + "was lost may have made it), then cancel it again to retry, or pay the customer back another way and "
            + "record that with POST /api/v1/admin/bookings/{id}/refund/settled (it also clears this mark)";
    /**
     * That note as versions before the refund settled by hand wrote it: a mark written then stays until cleared, and
     * a refund settled by hand clears it too.
     */
    static final String REFUND_RETRIES_ENDED_BEFORE = "its refund was not made and is no longer retried "
            + "(connectify.booking.refund-retry-for): check the refund at the provider first (an attempt whose answer "
            + "was lost may have made it), then cancel it again to retry, or pay the customer back another way";

    /**
     * The bookings whose refund is still to make but no longer retried (cancelled before {@code since}) are marked as
     * needing a person, each once (a later sweep, or a person's clear, does not mark it again; a booking that changes
     * and is left so again is marked again), up to 50 a sweep. Nothing else changes: a repeated cancel still tries the
     * refund, and the gauge connectify_bookings_refund_pending still counts it, until a person records the refund as
     * settled by hand (RefundSettledByHandApi: no refund pending any more, this mark cleared). A booking whose row
     * another transaction holds past the lock timeout (a cancel, its payment's event) is passed over for the next
     * sweep; any other failure fails the sweep (logged with its cause by the sweeps' error handling), as the other
     * sweeps' do. Its customer, told at the failed cancel that the refund was being made, is told with the mark that
     * it could not be (refund-failed, {@link #retriesEnd}).
     */
    private void endRefundRetries(Instant since, Instant now, BooleanSupplier leads) {
        for (Booking booking : bookings.refundRetriesEnding(REFUND_PENDING, since, 50)) {
            if (!leads.getAsBoolean()) {
                return;
            }
            try (var named = BookingMdc.naming(booking.id())) {
                boolean ended = DatabaseBusy.unlessHeld(() -> retriesEnd(booking.id(), since, now),
                        () -> log.info("Booking {}: its row is held by another transaction; the end of its refund's "
                                + "retries is recorded by the next sweep", booking.id())).orElse(false);
                if (ended) {
                    log.error("Booking {}: {} (payment {})", booking.id(), REFUND_RETRIES_ENDED,
                            booking.paymentReference());
                }
            }
        }
    }

    /**
     * The end of a refund's retries recorded (its mark for a person) and, in the same transaction under the booking's
     * row lock, the customer told once (kind refund-failed: cancelled, the refund not made to the original payment
     * method, to be paid back another way), after the notice that the refund was being made. False when it was not
     * such a booking any more. Dated at the sweep's {@code now}, later than the booking's last change all the same
     * (before {@code since}, the retry window earlier).
     */
    private boolean retriesEnd(String bookingId, Instant since, Instant now) {
        boolean[] ended = {false};
        bookings.withBookingLock(bookingId, () -> {
            ended[0] = bookings.refundRetriesEnd(bookingId, REFUND_PENDING, since, REFUND_RETRIES_ENDED, now);
            if (ended[0]) {
                notifyOnce(bookingId, REFUND_FAILED_NOTICE);
            }
        });
        return ended[0];
    }

    /**
     * Removes the event of a booking never confirmed, should an attempt of its confirmation have made it. Best effort:
     * that attempt, retried or replayed, finds the booking cancelled and removes its event itself.
     */
    private void removeEventIfMade(Booking booking) {
        try {
            removeEvent(booking, eventIdFor(booking.id()));
        } catch (RuntimeException e) {
            log.warn("Calendar event {} of cancelled booking {} not removed now ({}); the confirmation that would "
                    + "have made it removes it", eventIdFor(booking.id()), booking.id(), e.getClass().getSimpleName());
        }
    }

    /**
     * Moves a confirmed booking to another free slot of the same length; no new payment. Until the refund cut-off
     * before its start only: a booking moved later could be cancelled for a full refund from its new start.
     */
    public Booking reschedule(String bookingId, RescheduleRequest request) {
        Booking booking = bookings.find(bookingId).orElseThrow(() -> new NotFoundException("No booking with id " + bookingId));
        if (booking.status() != BookingStatus.CONFIRMED) {
            throw new InvalidStateException("Only a confirmed booking can be rescheduled; this one is " + booking.status());
        }
        OffsetDateTime start = Rfc3339.parse("start", request.start());
        Duration duration = Duration.ofMinutes(booking.durationMinutes());
        TimeRange target = TimeRange.of(start.toInstant(), duration);
        if (target.equals(booking.range()) && CalendarEventRecheck.flagged(booking.statusReason())) {
            // the re-check found its event where the booking is not (and told a person to "move it back or
            // reschedule through the hub"): a move to its own time is how the hub moves it back
            return eventBackToItsTime(booking);
        }
        Instant now = now();
        movableAt(booking, now);
        bookableAt(start, duration, now);
        if (target.equals(booking.range())) {
            return booking; // where it is already: nothing to move, nothing to tell
        }
        // the booking's own event is busy in the calendar: leave its own time out of the check
        List<TimeRange> busy = new ArrayList<>();
        // a calendar Google cannot read: 503, ask again (busyToBook), not a slot taken
        for (TimeRange range : calendar.busyToBook(target.start().minus(hours.buffer()),
                target.end().plus(hours.buffer()))) {
            busy.addAll(range.minus(booking.range()));
        }
        if (slots.conflicts(target, busy)) {
            busy = withoutOwnEvent(booking, busy);
        }
        if (slots.conflicts(target, busy) || availability.isHeld(target, bookingId)) {
            throw new BookingConflictException("The slot starting " + Rfc3339.format(start) + " is already taken");
        }
        // Google shows the new time from the PATCH on, the booking only once the move commits: the move is recorded as
        // under way first, so that a re-check of the bookings' events in between does not take it for one made in
        // Google (following it and telling the customer a second time, or flagging it). Its time is taken now, after
        // FreeBusy: EventChangeTimeout bounds the marker's age by the move's two Google calls only, and a marker dated
        // from before FreeBusy would let a cancel or another move take it over while this one's PATCH still runs
        Instant begun = now();
        // the cut-off and the new slot's lead time are judged again at that time: FreeBusy (with its retries) may
        // have taken the booking past the one and the slot within the other
        movableAt(booking, begun);
        bookableAt(start, duration, begun);
        Integer move = bookings.eventChangeBegins(bookingId, begun, changeTimeout.duration());
        if (move == null) {
            throw new InvalidStateException("This booking is being moved or cancelled by another request, or is no "
                    + "longer confirmed; ask again", askAgainAfter(bookingId, begun));
        }
        try {
            moveTo(booking, target, start, new ConfirmedBooking(booking, move, begun));
        } finally {
            eventChangeEnds(bookingId, move);
        }
        log.info("Booking {} moved to {}", bookingId, start);
        return bookings.find(bookingId).orElseThrow();
    }

    /**
     * What a move whose event Google no longer has answers: a final 409, not the 404 of an unknown booking. Said the
     * way the re-check's flag says it, which the booking gets too.
     */
    static final String EVENT_GONE = "This booking cannot be moved: its calendar event no longer exists: restore it "
            + "in the calendar or cancel the booking";

    /**
     * A move to the booking's own time of a booking the re-check flagged: its event is put back at the booking's time
     * (one PATCH), under the move-under-way marker as any move (a re-check meanwhile takes it for no change made in
     * Google), and the flag goes, the mark for a person staying for a person to clear, as when the event is moved
     * back in Google. The booking does not move: the customer is told nothing, and neither the cut-off nor the lead
     * time is judged (they guard a booking's new time). An event Google no longer has answers as a move's does.
     */
    private Booking eventBackToItsTime(Booking booking) {
        String bookingId = booking.id();
        Instant begun = now();
        Integer move = bookings.eventChangeBegins(bookingId, begun, changeTimeout.duration());
        if (move == null) {
            throw new InvalidStateException("This booking is being moved or cancelled by another request, or is no "
                    + "longer confirmed; ask again", askAgainAfter(bookingId, begun));
        }
        ConfirmedBooking read = new ConfirmedBooking(booking, move, begun);
        try {
            CalendarEvent answered;
            try {
                answered = moveEvent(booking, booking.range());
            } catch (RuntimeException failed) {
                throw moveFailed(read, failed); // at the booking's time already, should it have moved: nothing back
            }
            if (cancelled(answered)) {
                throw eventGone(read, "200, the event cancelled");
            }
            // only if still as read (another reason written, a cancel: the next re-check sees it)
            if (bookings.reasonOfConfirmed(read, CalendarEventRecheck.unflagged(booking.statusReason()), now())) {
                log.info("Booking {}: its calendar event {} is back at the booking's time {}; its flag is cleared "
                        + "(its mark for a person stays until cleared)", bookingId, booking.calendarEventId(),
                        booking.start());
            } else {
                log.info("Booking {}: its calendar event {} is back at the booking's time {}; the booking changed "
                        + "meanwhile, its flag is left to the next re-check", bookingId, booking.calendarEventId(),
                        booking.start());
            }
        } finally {
            eventChangeEnds(bookingId, move);
        }
        return bookings.find(bookingId).orElseThrow();
    }

    /**
     * The answer to a move's PATCH that failed. Google has no such event (404, 410: deleted by hand, and with push off
     * the hub did not hear of it): the booking is flagged and marked as the re-check flags a deleted event, and the
     * caller gets 409 {@code invalid-state}, not a 404 that reads as "no such booking". (The calendar itself was read
     * just before, by the move's FreeBusy or the re-check that flagged the booking: a 404 here is the event's.) Any
     * other refusal of Google's but its rate limit (400, 409,
     * ...) refuses the hub's request, not the caller's valid one: 502 {@code provider-error}, which an
     * Idempotency-Key does not keep as a final answer, rather than 400 {@code validation} or 409
     * {@code duplicate-event}.
     */
    private RuntimeException moveFailed(ConfirmedBooking read, RuntimeException failed) {
        if (failed instanceof NotFoundException) {
            return eventGone(read, failed instanceof EventDeletedException ? "410" : "404");
        }
        if (refusedByGoogle(failed)) {
            HubException refused = (HubException) failed;
            String detail = "Google Calendar refused to move the booking's calendar event (HTTP " + refused.status()
                    + ")";
            log.warn("Booking {} not moved: {} ({})", read.booking().id(), detail, refused.getMessage());
            return new ProviderException(GoogleCalendarConfig.PROVIDER, ProviderException.Kind.REJECTED, detail,
                    null, null);
        }
        return failed;
    }

    /**
     * The booking's event is gone from Google (deleted, or in its bin: cancelled): flagged and marked for a person,
     * once, as the re-check's deleted case, while this move is still marked under way; the 409 to answer.
     */
    private InvalidStateException eventGone(ConfirmedBooking read, String answered) {
        Booking booking = read.booking();
        boolean marked = eventFlags.flag(read, CalendarEventRecheck.DELETED, "deleted");
        log.warn("Booking {} ({}) not moved: its calendar event {} no longer exists in Google Calendar (the PATCH "
                        + "answered {}); {}", booking.id(), booking.start(), booking.calendarEventId(), answered,
                marked ? "it needs a person: " + CalendarEventRecheck.DELETED
                        : "flagged so already, or changed meanwhile");
        return new InvalidStateException(EVENT_GONE);
    }

    private static boolean cancelled(CalendarEvent answered) {
        return answered != null && "cancelled".equals(answered.status());
    }

    /**
     * The busy ranges without the time where Google has the booking's event, should that not be the booking's: a
     * move whose answer was lost and whose move back failed too left it at the time that move asked for, and FreeBusy
     * names no events, only busy times, so the same move asked again found its slot busy with its own event (409 for
     * as long as the event stayed there). Read only for a move that would otherwise conflict: one Google call more,
     * before the move is recorded as under way. An event Google no longer has, or holds as cancelled or all-day,
     * takes nothing out. Like the booking's own time, the event's hides another event lying wholly within it.
     */
    private List<TimeRange> withoutOwnEvent(Booking booking, List<TimeRange> busy) {
        if (booking.calendarEventId() == null) {
            return busy;
        }
        GoogleCalendarGateway.EventTimes event;
        try {
            event = calendar.times(booking.calendarEventId());
        } catch (NotFoundException gone) {
            return busy;
        }
        if (event.cancelled() || event.start() == null || !event.end().isAfter(event.start())) {
            return busy;
        }
        TimeRange at = new TimeRange(event.start(), event.end());
        if (at.equals(booking.range())) {
            return busy;
        }
        log.info("Booking {}: its calendar event {} is at {}, not at the booking's time {}; that time is not counted "
                + "busy for its move", booking.id(), booking.calendarEventId(), at.start(), booking.start());
        List<TimeRange> rest = new ArrayList<>();
        for (TimeRange range : busy) {
            rest.addAll(range.minus(at));
        }
        return rest;
    }

    /**
     * A booking cancelled at {@code at} is refunded when that is at least the refund cut-off before its start: exactly
     * at the cut-off too, as the README and refund-cut-off promise (before, only strictly before it).
     */
    private boolean refundable(Booking booking, Instant at) {
        return !at.isAfter(booking.start().toInstant().minus(payments.refundCutOff()));
    }

    /** A booking can be moved until the refund cut-off before its start, exactly at it too: 409 from then on. */
    private void movableAt(Booking booking, Instant now) {
        if (!refundable(booking, now)) {
            Duration cutOff = payments.refundCutOff();
            throw new InvalidStateException("A booking can be moved until " + (cutOff.toMinutesPart() == 0
                    ? cutOff.toHours() + " hours" : cutOff.toMinutes() + " minutes") + " before its start; this one "
                    + "starts " + Rfc3339.format(booking.start()));
        }
    }

    /**
     * A slot a booking can be moved to at {@code now}: not beyond the maximum advance, in working hours, on the slot
     * grid, and at least the minimum lead time ahead (422 as for a new booking's).
     */
    private void bookableAt(OffsetDateTime start, Duration duration, Instant now) {
        BookableStart.require(slots, hours, properties, start, duration, now);
    }

    /**
     * Moves the booking's event, then the booking under the slot lock (the cut-off and the lead time checked again
     * then), its notices logged in that transaction and sent once it has committed ({@link #queueMoved}); the event
     * back should either fail. A move whose transaction fails only after the database's commit, or whose notices the
     * broker then does not take, is made: left there, answered as made ({@link #noticesNotQueued}).
     */
    private void moveTo(Booking booking, TimeRange target, OffsetDateTime start, ConfirmedBooking read) {
        String bookingId = booking.id();
        // the event is moved before the slot lock is taken (Google may take seconds, retried, and every booking
        // waits on that lock), and moved back should another booking have taken the slot meanwhile
        CalendarEvent answered;
        try {
            answered = moveEvent(booking, target);
        } catch (RuntimeException failed) {
            // a PATCH that failed may have been applied all the same, its answer lost (a read timeout, a 5xx after
            // the write, then every retry's): left there, the event would show a time the booking does not have,
            // and FreeBusy would answer a retry of this move that its slot is busy (409, with its own event)
            if (!movedNothing(failed)) {
                moveBack(booking, target, start, read.moves());
            }
            throw moveFailed(read, failed);
        }
        if (cancelled(answered)) {
            // Google patches an event in its bin (deleted, still restorable) and answers it cancelled: gone as a 404's,
            // and its times go back, so that restored it shows the booking's
            moveBack(booking, target, start, read.moves());
            throw eventGone(read, "200, the event cancelled");
        }
        DatabaseCommit move = new DatabaseCommit();
        List<Notification> notices;
        try {
            notices = bookings.withSlotLock(() -> {
                move.watch();
                if (availability.isHeld(target, bookingId)) {
                    throw new BookingConflictException("The slot starting " + Rfc3339.format(start)
                            + " is already taken");
                }
                // the cut-off judged again as the move commits: Google's PATCH (with its retries: minutes) may have
                // taken the booking past it, and a booking moved then could be cancelled for a full refund from its
                // new start; the event goes back as for any move not made. Judged on the booking as stored, its row
                // locked to the move's update: another move that took over a marker this one outlasted, or a cancel,
                // may have changed it since the first read. The new slot's lead time may have passed too.
                Instant committed = now();
                Booking stored = bookings.findLocked(bookingId)
                        .filter(b -> b.status() == BookingStatus.CONFIRMED)
                        .orElseThrow(() -> new InvalidStateException("The booking was cancelled while it was being "
                                + "moved"));
                movableAt(stored, committed);
                bookableAt(start, target.length(), committed);
                if (!bookings.reschedule(bookingId, target.start(), target.end(), committed)) {
                    throw new InvalidStateException("The booking was cancelled while it was being moved");
                }
                // logged in the move's transaction: the customer hears of every move that was made, and of no other
                return logMoved(bookingId, target, committed);
            });
        } catch (RuntimeException notMoved) {
            if (move.committed()) {
                // only what follows the database's commit failed: the move is made, its event where the booking
                // is; answered as made, not moved back
                noticesNotQueued(bookingId, "moved to " + Rfc3339.format(start), notMoved);
                return;
            }
            // taken meanwhile, or the move's transaction failed
            moveBack(booking, target, start, read.moves());
            throw notMoved;
        }
        queueMoved(bookingId, notices, "moved to " + Rfc3339.format(start));
    }

    /**
     * A PATCH that certainly changed nothing: Google has no such event (404, 410) or refused it (400, 409: the answer to
     * the attempt made; an earlier attempt the same PATCH whose answer was lost would have been applied again, not
     * refused), or the hub sent Google none of its attempts: the circuit breaker refused the call (it sees a call's
     * outcome after its retries), or the hub's rate limiter refused its first attempt (429; one that refused a retry
     * leaves an earlier attempt's answer lost). A move back would meet the same, or move an event that never moved:
     * one PATCH more and an ERROR line for a refused move, before.
     */
    private static boolean movedNothing(RuntimeException failure) {
        return refusedByGoogle(failure)
                || failure instanceof ProviderException p && p.nothingSent();
    }

    /**
     * Google's 4xx answer to the call, but its rate limit's and those refusing the hub's credentials or access (401,
     * 403: ProviderException): the event is unknown (NotFoundException: 404, 410) or the change refused (400, 409).
     */
    private static boolean refusedByGoogle(RuntimeException failure) {
        return failure instanceof HubException refused && !(failure instanceof ProviderException)
                && refused.status() >= 400 && refused.status() < 500;
    }

    /**
     * Best effort, for a move not made by the change {@code change}: the event goes back to where the database has the
     * booking, its old time (a PATCH audited as gcal-patch-event-back, apart from the move's), unless the move
     * committed and only what came after failed, or another move of it committed meanwhile. Its own failure is logged
     * and recorded on the booking as a failed put-back (V41), which the sweep booking-retry-event-put-backs
     * (EventPutBackSweep) retries, PATCHing the event back to the booking's time while it is confirmed, and after
     * connectify.booking.event-put-back.retry-for flags for a person. Before, only an ERROR line was left: the event
     * stayed at the new time for good, the booking at its old one.
     */
    private void moveBack(Booking booking, TimeRange target, OffsetDateTime start, int change) {
        String bookingId = booking.id();
        TimeRange stays = booking.range();
        boolean confirmed = true;
        try {
            Optional<Booking> current = bookings.find(bookingId);
            stays = current.map(Booking::range).orElse(stays);
            // a booking cancelled meanwhile has had its event deleted: nothing to move back
            confirmed = current.map(b -> b.status() == BookingStatus.CONFIRMED).orElse(true);
            if (confirmed && !stays.equals(target)) {
                calendar.moveBack(booking.calendarEventId(), Rfc3339.at(stays.start(), hours.timeZone()),
                        Rfc3339.at(stays.end(), hours.timeZone()));
            }
        } catch (NotFoundException gone) {
            log.info("Booking {}: its calendar event {} is gone: nothing to move back", bookingId,
                    booking.calendarEventId());
        } catch (RuntimeException e) {
            log.error("Booking {} stays at {}, but its calendar event {} could not be moved back from {} ({}); the "
                    + "sweep booking-retry-event-put-backs moves it back", bookingId, stays.start(),
                    booking.calendarEventId(), start, e.getClass().getSimpleName());
            if (confirmed) {
                putBackFailed(booking, change, BookingRepository.PUT_BACK_MOVE);
            }
        }
    }

    /**
     * The Retry-After of a move or cancel held off by another change of the booking's event: from how long that one
     * has been under way, never past the moment a stopped instance's marker no longer holds anything off (where a
     * crash left callers asking every second for 15 minutes). A second when none is marked (its row was held).
     */
    private Duration askAgainAfter(String bookingId, Instant now) {
        return bookings.eventChangeSince(bookingId).map(since -> changeTimeout.askAgainAfter(since, now))
                .orElse(Duration.ofSeconds(1));
    }

    /**
     * Best effort: a change of the booking's event (a move, a cancel's removal) left marked as under way holds
     * re-checks, moves and cancels off the booking only for EventChangeTimeout.
     */
    private void eventChangeEnds(String bookingId, int change) {
        try {
            bookings.eventChangeEnds(bookingId, change);
        } catch (RuntimeException e) {
            log.warn("Booking {}: a change of its calendar event is left marked as under way ({}); re-checks of its "
                    + "event, moves and cancels wait for it for up to {}", bookingId, e.getClass().getSimpleName(),
                    changeTimeout.duration());
        }
    }

    private CalendarEvent moveEvent(Booking booking, TimeRange to) {
        return calendar.patch(booking.calendarEventId(), new CalendarEvent(null, null, null,
                Rfc3339.at(to.start(), hours.timeZone()), Rfc3339.at(to.end(), hours.timeZone()), null, null, null));
    }

    /**
     * Queues a booking event's notifications of one kind, once each: a saga step that repeats queues only those still
     * unsent (a redelivery after the step's queue messages were rolled back finds its notifications logged but never
     * queued), and the sender sends each notification once whatever copies of it are queued. Sending happens from
     * the queue, so a notification failure never undoes the booking. Nothing for a booking that is gone.
     */
    public void notifyOnce(String bookingId, String kind) {
        notifyOnce(bookingId, kind, null);
    }

    /**
     * Logs the notices of a move as queued (call in the move's transaction, under the slot lock) and answers those still
     * to send, for {@link #queueMoved} once that transaction has committed: a notice of its own per move, its target
     * and time in the id, as a booking may go back to a time it had. Only logged here: sent to the broker under the
     * slot lock, they held up every other booking, move and re-check for as long as the broker took.
     */
    List<Notification> logMoved(String bookingId, TimeRange target, Instant at) {
        List<Notification> logged = new ArrayList<>();
        // under the booking's row lock, as every notice is planned
        bookings.withBookingLock(bookingId, () -> bookings.find(bookingId).ifPresent(booking ->
                logged.addAll(planner.forBooking(booking, RESCHEDULED, target.start() + " at " + at))));
        return logged;
    }

    /**
     * Queues a move's notices ({@link #logMoved}) once its transaction has committed, the slot lock released. Their
     * rows are committed as queued with the move, so the broker never has a notice of a move not made, and one not
     * queued (the broker failing now, or the hub stopping first) is queued by the notification recovery sweep, as a
     * broker commit failing after the database's always left it ({@link #noticesNotQueued}); the move stays made.
     * Answers whether they were queued.
     */
    boolean queueMoved(String bookingId, List<Notification> notices, String change) {
        if (notices.isEmpty()) {
            return true;
        }
        try {
            template.sendBody("direct:notification-queue", notices);
            return true;
        } catch (RuntimeException failed) {
            noticesNotQueued(bookingId, change, failed);
            return false;
        }
    }

    /**
     * Queues the notice of a refunded booking, its kind read from the booking under the same lock
     * ({@link #refundNotice}), so a repeat of the step that refunded it plans the same notice.
     */
    private void notifyRefunded(String bookingId) {
        notifyUnlessTold(bookingId, BookingSaga::refundNotice);
    }

    /**
     * Queues the notice of a paid booking CANCELLED without a refund, its kind read from the booking and its payment's
     * dispute under the same lock ({@link #cancellationNotice}).
     */
    private void notifyCancelled(String bookingId) {
        notifyUnlessTold(bookingId,
                booking -> cancellationNotice(booking, bookings.disputeStatus(booking.id()).orElse(null)));
    }

    /**
     * A booking's change committed in the database, after which its transaction failed ({@link DatabaseCommit}: the
     * broker's commit of the notices it queued): the change is made and answered so, a move not moved back, a refund
     * not taken for one whose answer was lost, a booking the calendar re-check moved counted as moved (its run goes
     * on). Its notices are logged as queued with it, and the notification
     * recovery sweep queues them again once older than connectify.notifications.recover-after with nothing on the
     * queues. Before, the API answered 500 for a change it had made, and its caller asked again or took it for one
     * not made. Logged with the failure's classes only (a broker's message may name its host).
     */
    void noticesNotQueued(String bookingId, String change, RuntimeException afterCommit) {
        StringBuilder failure = new StringBuilder(afterCommit.getClass().getSimpleName());
        Throwable cause = afterCommit.getCause();
        for (int depth = 0; cause != null && depth < 5; cause = cause.getCause(), depth++) {
            failure.append(" < ").append(cause.getClass().getSimpleName());
        }
        log.warn("Booking {} {}, but its notices were not queued: the transaction failed after the database's commit "
                + "({}); the notification recovery sweep queues them (connectify.notifications.recover-after)",
                bookingId, change, failure);
    }

    /**
     * Kinds that tell one outcome in other words: a notice planned once under one of them (before an upgrade that
     * split a kind: every refund was "refund", every unrefunded cancellation "cancellation") and again under another
     * (a replayed payment event, a late provider delivery) would get another notification id, so the customer heard
     * it twice.
     */
    private static final Set<String> REFUND_TOLD = Set.of(REFUND, PAYMENT_REFUNDED);
    private static final Set<String> CANCELLATION_TOLD = Set.of(CANCELLATION, CANCELLATION_UNREFUNDED,
            CANCELLATION_DISPUTED, CANCELLATION_REFUND_OUTSIDE, CANCELLATION_REFUNDED_OUTSIDE,
            CANCELLATION_PART_REFUNDED_OUTSIDE, CANCELLATION_LATE_PART_REFUNDED);
    private static final List<Set<String>> SAME_OUTCOME = List.of(REFUND_TOLD, CANCELLATION_TOLD);

    /**
     * {@link #notifyOnce}, unless the booking's customer has a notice logged of a kind telling the same outcome in
     * other words ({@link #SAME_OUTCOME}): they were told it already.
     */
    private void notifyUnlessTold(String bookingId, Function<Booking, String> kind) {
        bookings.withBookingLock(bookingId, () -> bookings.find(bookingId).ifPresent(booking -> {
            String planned = kind.apply(booking);
            Set<String> logged = notifications.kindsOf(bookingId);
            for (Set<String> outcome : SAME_OUTCOME) {
                if (outcome.contains(planned) && !logged.contains(planned)
                        && outcome.stream().anyMatch(logged::contains)) {
                    log.info("Booking {}: its customer was told already ({}); no {} notice", bookingId,
                            outcome.stream().filter(logged::contains).sorted().toList(), planned);
                    return;
                }
            }
            notifyOnce(bookingId, planned, null);
        }));
    }

    /**
     * The notice of a REFUNDED booking: one never confirmed (a payment that paid for nothing, one the provider gave
     * back before the hub confirmed it, a paid booking cancelled before its confirmation, by its customer or past its
     * start) is told its payment was refunded and the booking not confirmed; a confirmed one cancelled in time, that
     * it was cancelled and refunded, unless its payment was refunded in full outside the hub before (a Stripe refund
     * in the Dashboard, its charge.refunded kept after "cancelled and refunded": the hub refunded nothing, Stripe
     * refusing its refund), which tells it was cancelled and paid back already, as a Payrexx cancel after such a
     * refund does ({@link #CANCELLATION_REFUNDED_OUTSIDE}); before, "we refunded" the payment. The kind is logged with
     * each notification, so a re-queue renders it as planned.
     */
    static String refundNotice(Booking refunded) {
        String reason = refunded.statusReason();
        boolean neverConfirmed = reason != null && (reason.equals(REFUNDED_UNCONFIRMED)
                || reason.equals(PAID_AFTER_ITS_START) || reason.equals(PAID_AFTER_SLOT_TAKEN)
                || reason.equals(PAID_AFTER_CANCEL) || reason.startsWith(RETURNED_UNCONFIRMED));
        if (!neverConfirmed && reason != null && reason.startsWith(REFUNDED_CONFIRMED + "; ")
                && refundedInFullOutside(reason)) {
            return CANCELLATION_REFUNDED_OUTSIDE;
        }
        return neverConfirmed ? PAYMENT_REFUNDED : REFUND;
    }

    /**
     * The notice of a paid booking CANCELLED without a refund, by why there is none: its payment's dispute (the dispute
     * decides: one open or lost as stored, {@code dispute}, or a reason a dispute gave it, a refund it stopped, however
     * the dispute ended), no payment reference to refund by (cancelled in time), a refund outside the hub under way at
     * the provider (cancelled in time: that refund pays the customer back, {@link #CANCELLATION_REFUND_OUTSIDE}), a
     * refund outside the hub made already (in full: {@link #CANCELLATION_REFUNDED_OUTSIDE}; in part, the rest refunded
     * by a person: {@link #CANCELLATION_PART_REFUNDED_OUTSIDE}), or else cancelled after the cut-off. After the
     * cut-off the hub refunds nothing, but the provider may have, the refund kept after the cut-off's reason: told as a
     * cancel in time tells it (in full, paid back already; under way, that refund pays the customer back), a part
     * without a word of the rest ({@link #CANCELLATION_LATE_PART_REFUNDED}). Before, "the payment is not refunded".
     */
    static String cancellationNotice(Booking cancelled, DisputeStatus dispute) {
        String reason = cancelled.statusReason();
        // (a refund outside the hub under way may follow a dispute's reason: "; " and its note)
        if (dispute != null && dispute.settlesThePayment() || reason != null && (reason.startsWith(CANCELLED_DISPUTED)
                || reason.startsWith(CANCELLED_DISPUTE_LOST) || reason.startsWith(REFUND_STOPPED))) {
            return CANCELLATION_DISPUTED;
        }
        if (reason != null && reason.startsWith(CANCELLED_REFUND_OUTSIDE)) {
            return CANCELLATION_REFUND_OUTSIDE;
        }
        if (reason != null && reason.startsWith(CANCELLED_REFUNDED_OUTSIDE)) {
            return CANCELLATION_REFUNDED_OUTSIDE;
        }
        if (reason != null && reason.startsWith(CANCELLED_PART_REFUNDED_OUTSIDE)) {
            return CANCELLATION_PART_REFUNDED_OUTSIDE;
        }
        if (reason != null && reason.startsWith(CANCELLED_LATE)) {
            // a refund outside the hub the cancel kept after its reason (cancelConfirmed): under way, in full, in part
            if (says(reason, REFUNDED_OUTSIDE + ": a refund is pending at ")) {
                return CANCELLATION_REFUND_OUTSIDE;
            }
            if (refundedInFullOutside(reason)) {
                return CANCELLATION_REFUNDED_OUTSIDE;
            }
            if (says(reason, PART_REFUNDED) || says(reason, REFUNDED_OUTSIDE + ": ")) {
                return CANCELLATION_LATE_PART_REFUNDED;
            }
        }
        return CANCELLED_NO_REFERENCE.equals(reason) ? CANCELLATION_UNREFUNDED : CANCELLATION;
    }

    /** A refund outside the hub shown in a status reason: "… shows &lt;refunded&gt; of the payment's &lt;paid&gt; …". */
    private static final Pattern SHOWN_REFUNDED = Pattern.compile(" shows (\\d+) of the payment's (\\d+)");

    /**
     * Whether a status reason tells its payment refunded in full outside the hub ({@link #REFUNDED_OUTSIDE}, the
     * amount shown at least what was paid), not a part of it nor a refund under way.
     */
    private static boolean refundedInFullOutside(String reason) {
        for (String part : reason.split("; ")) {
            Matcher shown = part.startsWith(REFUNDED_OUTSIDE + ": ") ? SHOWN_REFUNDED.matcher(part) : null;
            if (shown != null && shown.find() && Long.parseLong(shown.group(1)) >= Long.parseLong(shown.group(2))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Queues the notice of a payment refunded because it cannot pay for its booking (below the price, in another
     * currency), once the refund is made (a refund that fails fails the event before this: told once its redelivery
     * refunds). One notice per payment: its amount, currency and reference are the occasion, so a redelivery plans the
     * same notifications (queued again only while unsent), and two payments of one booking get one each. Rendered
     * from the booking as read under its row lock (NotificationTemplates: waiting for its payment until its hold
     * ends, no longer held, or neither).
     */
    private void notifyMismatchRefunded(Booking payment, String paidCurrency) {
        notifyOnce(payment.id(), PAYMENT_MISMATCH, NotificationPlanner.refundedPaymentOccasion(payment.paidAmount(),
                paidCurrency, payment.provider(), payment.paymentReference()));
    }

    /** {@code occasion}: what makes this event's notifications others than an earlier one's of the same kind. */
    private void notifyOnce(String bookingId, String kind, String occasion) {
        notifyOnce(bookingId, booking -> kind, occasion);
    }

    /** {@code kind}: the kind of notice, chosen from the booking as read under its row lock. */
    private void notifyOnce(String bookingId, Function<Booking, String> kind, String occasion) {
        // under the booking's row lock: a second instance confirming the same booking waits, then finds them logged
        bookings.withBookingLock(bookingId, () -> bookings.find(bookingId).ifPresent(booking -> {
            Map<String, Object> headers = new HashMap<>();
            headers.put(NotificationPlanner.KIND, kind.apply(booking));
            headers.put(NotificationPlanner.OCCASION, occasion);
            template.sendBodyAndHeaders("direct:booking-notify", booking, headers);
        }));
    }

    /**
     * Queues again a booking's notifications of one kind and occasion that are logged and still unsent, each rebuilt
     * from its row as it was planned: its id, recipient and the start it told of (NotificationPlanner#asLogged), never
     * a notice planned anew from the booking now (the notification recovery sweep, a repeated payment event). A
     * notice that told of a start its booking no longer has (a move's, a confirmation's, moved since) is skipped by
     * the sender, as its original message would be; the move's own notice tells the new time. Answers the ids queued
     * and those left as they are (whose start is unknown, with a warning).
     */
    public Requeue requeueUnsent(String bookingId, String kind, String occasion) {
        List<Notification> queued = new ArrayList<>();
        List<String> left = new ArrayList<>();
        // under the booking's row lock, as their first plan
        bookings.withBookingLock(bookingId, () -> {
            Optional<Booking> booking = bookings.find(bookingId);
            for (var row : notifications.unsentOf(bookingId, kind, occasion)) {
                if (booking.isEmpty()) {
                    log.warn("Booking {} is gone: its {} notification {} is not queued again", bookingId, kind,
                            row.id());
                }
                Optional<Notification> asLogged = booking.flatMap(b -> planner.asLogged(b, row));
                if (asLogged.isPresent()) {
                    queued.add(asLogged.get());
                } else {
                    left.add(row.id());
                }
            }
            if (!queued.isEmpty()) {
                template.sendBody("direct:notification-queue", queued);
            }
        });
        return new Requeue(queued.stream().map(Notification::id).toList(), List.copyOf(left));
    }

    /** What a re-queue did: the notifications (ids) queued again, and those it left unsent as they are. */
    public record Requeue(List<String> queued, List<String> left) {
    }

    private void removeEvent(Booking booking) {
        if (booking.calendarEventId() != null) {
            removeEvent(booking, booking.calendarEventId());
        }
    }

    /**
     * Deletes the event, or keeps it marked cancelled and free (connectify.payment.cancelled-event: mark-cancelled);
     * gone already is fine. Kept, it is never compared again once the booking is CANCELLED: the re-check reads
     * confirmed bookings' events only. A cancel that fails after the PATCH took effect (its answer lost, or the
     * booking's CANCELLED not committed) puts the event back ({@link #keepEventBooked}); should that fail too, the
     * confirmed booking's event stays free until the sweep booking-retry-event-put-backs (or, with push on, the
     * calendar re-check) puts it back.
     */
    private void removeEvent(Booking booking, String eventId) {
        try {
            if (payments.deleteCancelledEvents()) {
                calendar.delete(eventId);
            } else {
                calendar.keepAsCancelled(eventId, booking.summary());
            }
        } catch (NotFoundException alreadyGone) {
            log.info("Calendar event of booking {} was already removed or never made", booking.id());
        }
    }

    /**
     * Best effort, for a cancel not made of a confirmed booking whose event {@link #removeEvent} kept marked cancelled
     * (mark-cancelled): the event is put back as the booking's (its summary, busy), as {@link #moveBack} puts a failed
     * move's event back, unless the booking is no longer confirmed (cancelled meanwhile by another request) or its
     * change marker is no longer this cancel's {@code change}: another cancel or move took it over once it was older
     * than EventChangeTimeout, and a put-back landing after that one's change would leave a cancelled booking's event
     * busy, or undo a move. Still this cancel's, the marker is renewed first, so none takes it over during the PATCH.
     * An event the cancel may have deleted (delete) is restored ({@link #restoreEvent}); before, it was not. Its own
     * failure is logged and recorded on the booking: the event may then stay "Cancelled: …" and free (or deleted),
     * which the sweep booking-retry-event-put-backs (EventPutBackSweep) puts back,
     * and with push on the calendar re-check too (CalendarEventRecheck#putBack), as long as nothing else changed the
     * event through the hub since. Before, the re-check only flagged it for a person (FREE); and until the sweep, only
     * the re-check put it back, so with push off it stayed free.
     */
    private void keepEventBooked(Booking booking, int change) {
        if (booking.calendarEventId() == null) {
            return;
        }
        try {
            if (bookings.eventChangeStillOurs(booking.id(), change, now())) {
                if (payments.deleteCancelledEvents()) {
                    restoreEvent(booking, change);
                    return;
                }
                calendar.keepAsBooked(booking.calendarEventId(), booking.summary());
                log.info("Booking {} stays CONFIRMED: its calendar event {}, marked cancelled by the cancel that "
                        + "failed, is put back as booked", booking.id(), booking.calendarEventId());
                putBackDone(booking, change);
            } else {
                log.info("Booking {}: its calendar event {} is not put back by the cancel that failed: the booking is "
                        + "no longer confirmed, or another change of its event has taken over", booking.id(),
                        booking.calendarEventId());
            }
        } catch (NotFoundException gone) {
            log.info("Booking {} stays CONFIRMED; its calendar event {} is gone: nothing to put back", booking.id(),
                    booking.calendarEventId());
        } catch (RuntimeException e) {
            log.error("Booking {} stays CONFIRMED, but its calendar event {} could not be put back from {} ({}); the "
                    + "sweep booking-retry-event-put-backs puts it back", booking.id(), booking.calendarEventId(),
                    payments.deleteCancelledEvents() ? "a DELETE that may have been made" : "\"Cancelled: …\" and free",
                    e.getClass().getSimpleName());
            putBackFailed(booking, change, BookingRepository.PUT_BACK_CANCEL);
        }
    }

    /**
     * {@link #keepEventBooked} under delete: the DELETE of a cancel that fails may have deleted the event (its answer
     * lost, or the booking's CANCELLED not committed after it), and Google could not say (its read back failing too,
     * {@link #removeEventOfCancel}). The event is put back as the confirmed booking has it ({@code
     * GoogleCalendarGateway#putBack}: status confirmed takes it out of Google's bin), as the caller was told the cancel
     * failed (502): its booking stands, with its event and slot, until a cancel is asked again. Completing the cancel
     * later instead would refund and tell a customer of a cancel the caller was told had not been made. A put-back that
     * fails is recorded for the sweep booking-retry-event-put-backs, which flags the booking for a person once
     * connectify.booking.event-put-back.retry-for has passed. Before, a confirmed booking was left without its event,
     * its slot free in Google, and nothing recorded it.
     */
    private void restoreEvent(Booking booking, int change) {
        boolean restored;
        try {
            restored = calendar.putBack(booking.calendarEventId(), booking.summary(), booking.start(), booking.end());
        } catch (NotFoundException gone) {
            restored = false; // purged from Google's bin: as deleted for good
        }
        if (restored) {
            log.info("Booking {} stays CONFIRMED: its calendar event {}, which the cancel that failed may have "
                    + "deleted, is put back", booking.id(), booking.calendarEventId());
            putBackDone(booking, change);
        } else {
            // flagged as the re-check flags an event deleted in Google, on the booking as this change has it
            eventFlags.flag(new ConfirmedBooking(booking, change, now()), CalendarEventRecheck.DELETED, "deleted");
            log.error("Booking {} stays CONFIRMED, but Google holds its calendar event {} as deleted and does not put "
                    + "it back: it needs a person", booking.id(), booking.calendarEventId());
        }
    }

    /**
     * {@link #removeEvent} for the cancel of a confirmed booking. A DELETE that failed in a way that may have been
     * applied (a read timeout on every attempt, a 5xx after the write: {@link #movedNothing} false) is followed by one
     * read of the event: Google no longer has it (404, 410) or holds it deleted (status cancelled), and the DELETE was
     * made, its answer lost: the cancel goes on as asked (CANCELLED, refund, notices). Before, it failed with 502 and
     * left the booking CONFIRMED without its event. Should the read fail too, or find the event, the failure stands.
     */
    private void removeEventOfCancel(Booking booking) {
        try {
            removeEvent(booking);
        } catch (RuntimeException failed) {
            if (!payments.deleteCancelledEvents() || movedNothing(failed) || !deletedAllTheSame(booking)) {
                throw failed;
            }
            log.info("Booking {}: the DELETE of its calendar event {} failed ({}), but Google no longer has the event: "
                    + "the DELETE was made, its answer lost; the cancel goes on", booking.id(),
                    booking.calendarEventId(), Causes.forLog(failed));
        }
    }

    /** Whether Google no longer has the booking's event or holds it deleted; false too when it cannot say. */
    private boolean deletedAllTheSame(Booking booking) {
        try {
            return calendar.times(booking.calendarEventId()).cancelled();
        } catch (NotFoundException gone) {
            return true;
        } catch (RuntimeException unknown) {
            log.warn("Booking {}: whether its calendar event {} was deleted is unknown: reading it failed too ({})",
                    booking.id(), booking.calendarEventId(), Causes.forLog(unknown));
            return false;
        }
    }

    /**
     * Records a put-back that failed on the booking (V41), for the sweep booking-retry-event-put-backs
     * (EventPutBackSweep), which retries it with push notifications on or off; before, only the calendar re-check did,
     * which runs only with push on. Best effort: the database failing too (as it may, having failed the cancel), the
     * event is left to the re-check, or a person.
     */
    private void putBackFailed(Booking booking, int change, String from) {
        try {
            bookings.eventPutBackFailed(booking.id(), change, now(), from);
        } catch (RuntimeException e) {
            log.error("Booking {}: its failed put-back of calendar event {} was not recorded ({}); its event may stay "
                    + "apart from the booking (free, gone or at another time) until a person puts it back",
                    booking.id(), booking.calendarEventId(), e.getClass().getSimpleName());
        }
    }

    /**
     * A put-back that an earlier cancel failed to make (V41) is made by this one's: its record cleared, so the sweep
     * booking-retry-event-put-backs does not PATCH the event once more. Best effort: left, the sweep's PATCH is one
     * more of the same.
     */
    private void putBackDone(Booking booking, int change) {
        try {
            bookings.eventPutBackDone(booking.id(), change);
        } catch (RuntimeException e) {
            log.warn("Booking {}: its calendar event is put back, but an earlier failed put-back is left recorded "
                    + "({}); the sweep booking-retry-event-put-backs puts it back once more", booking.id(),
                    e.getClass().getSimpleName());
        }
    }

    /**
     * {@link #refund} of a payment that pays for nothing of its booking, recorded as the hub's own refund (V37): kept as
     * long as the booking, so its dispute reported weeks later, once its idempotency key is swept, is still known for
     * the hub's refund ({@code PayrexxEvents#paymentActedOnOrRefunded}).
     */
    private String refundUnused(Booking payment) {
        String made = refund(payment, null);
        bookings.refundedByTheHub(payment.id(), payment.provider(), payment.paymentReference(), now());
        return made;
    }

    /**
     * Refunds a booking's payment through its provider. A refund the provider refuses is looked up there: a refund
     * made whose answer was lost is refused when asked again (Stripe once its Idempotency-Key has expired, after
     * 24 h; Payrexx, whose refunds have no key, at once), and a payment found refunded in full counts as refunded.
     */
    private String refund(Booking booking, Long amount) {
        Object answer = refundAnswer(booking, amount);
        String notMade = PaymentCommands.refundNotMade(answer);
        if (notMade != null) {
            // not retried by the dead letters' automatic replay (refused): the same key gets the same answer
            throw new ProviderException(booking.provider(), ProviderException.Kind.REJECTED, booking.provider()
                    + " answered the refund of the booking's payment as " + notMade + ": not refunded");
        }
        return PaymentCommands.refundReference(answer);
    }

    /**
     * {@link #refund}, answering the provider's answer (made, on its way, or not made: Stripe's failed or canceled),
     * or null when it was found refunded in full.
     */
    private Object refundAnswer(Booking booking, Long amount) {
        Map<String, Object> headers = new java.util.HashMap<>();
        headers.put("paymentProvider", booking.provider());
        if (amount != null) {
            headers.put("refundAmount", amount);
        }
        try {
            return template.requestBodyAndHeaders("direct:payment-refund", booking, headers, Object.class);
        } catch (CamelExecutionException e) {
            RuntimeException failure = Causes.hubErrorOr(e);
            if (failure instanceof ValidationException && amount == null && refundedInFull(booking, headers)) {
                log.warn("Booking {}: {} refused the refund of payment {}, which it has refunded in full already (a "
                        + "refund made whose answer was lost): taken as refunded", booking.id(), booking.provider(),
                        booking.paymentReference());
                return null;
            }
            if (failure instanceof ValidationException refused) {
                // the provider refused the hub's own request: the caller's (a cancel's) was fine, so not a 400
                throw new ProviderException(booking.provider(), ProviderException.Kind.REJECTED, booking.provider()
                        + " refused the refund of the booking's payment (" + refused.getMessage() + ")", null, refused);
            }
            throw failure;
        }
    }

    /** Whether the provider has the booking's payment refunded in full; false when it cannot tell. */
    private boolean refundedInFull(Booking booking, Map<String, Object> headers) {
        try {
            Long refunded = template.requestBodyAndHeaders("direct:payment-refunded-amount", booking, headers,
                    Long.class);
            return refunded != null && booking.paidAmount() != null && refunded >= booking.paidAmount();
        } catch (CamelExecutionException e) {
            log.warn("Booking {}: could not ask {} what it refunded of payment {} ({})", booking.id(),
                    booking.provider(), booking.paymentReference(), Causes.hubErrorOr(e).getClass().getSimpleName());
            return false;
        }
    }

    /** The booking as paid by a provider's payment (the checkout's own reference kept when the event names none). */
    private static Booking paidBy(Booking b, String provider, String reference, long amount) {
        String paidBy = reference == null || reference.isBlank() ? b.paymentReference() : reference;
        return new Booking(b.id(), b.status(), b.start(), b.end(), b.durationMinutes(), b.amount(), b.currency(),
                b.customer(), b.summary(), b.description(), provider, b.paymentUrl(), b.calendarEventId(),
                b.holdExpiresAt(), b.createdAt(), paidBy, b.statusReason(), amount, b.refundSeenBeforePayment(),
                b.disputeSeenPayment());
    }

    /**
     * The booking an event names, in any case and with blanks around it; each step then updates it by its stored id,
     * {@code booking.id()}: the id as named matched no row (its update changed nothing).
     */
    private Booking known(String bookingId) {
        return bookings.findNamed(bookingId).orElse(null);
    }

    private static String description(Booking b) {
        String who = b.customer().name() + " <" + b.customer().email() + ">";
        return b.description() == null ? who : b.description() + "\n\n" + who;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }
}
