package io.connectify.hub.booking;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.connectify.hub.calendar.TimeRange;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.resilience.DatabaseBusy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/** Bookings in the database. Times are stored as UTC instants and shown in the hub's time zone. */
@Repository
public class BookingRepository {

    private static final Logger log = LoggerFactory.getLogger(BookingRepository.class);

    // a paid booking keeps its slot until it is confirmed, however long that takes (a provider down, a dead letter)
    private static final String ACTIVE = "(status = 'CONFIRMED' OR (status = 'PENDING_PAYMENT' "
            + "AND (hold_expires_at > :now OR paid_amount IS NOT NULL)))";
    // a paid booking waiting for its confirmation leaves PENDING_PAYMENT only by confirm() or cancelUnconfirmed()
    private static final String NOT_PAID_PENDING = "NOT (status = 'PENDING_PAYMENT' AND paid_amount IS NOT NULL)";
    /** The status reason is still the one read (none: ''; a typed comparison that H2 and PostgreSQL both take). */
    private static final String REASON_STILL = "COALESCE(status_reason, '') = :fromReason";
    /**
     * A confirmed booking as a re-check read it: its time, its status reason, no change of its event through the hub
     * (a move, a cancel) begun since.
     */
    private static final String STILL_AS_READ = "id = :id AND status = 'CONFIRMED' AND start_at = :fromStart "
            + "AND end_at = :fromEnd AND move_count = :moves AND " + REASON_STILL;
    // a paid booking cancelled whose refund is still to make (its status reason one of :reasons)
    private static final String PENDING_REFUND = "(status = 'CANCELLED' AND status_reason IN (:reasons) "
            + "AND paid_amount IS NOT NULL)";
    /**
     * The statuses a booking unpaid can still be paid in (a late payment holds an EXPIRED or PAYMENT_FAILED one again:
     * BookingSaga), the only ones a refund seen before payment (V25) is remembered in.
     */
    static final List<BookingStatus> PAYABLE = List.of(BookingStatus.PENDING_PAYMENT, BookingStatus.EXPIRED,
            BookingStatus.PAYMENT_FAILED);
    /**
     * Clears the mark of a refund seen before payment (V25), in the update that takes the booking out of PAYABLE for
     * good or settles its payment: nothing is left for it to act on (tidying: those paths never read it). Not
     * confirm(): its confirmation clears it once the part refunded outside the hub is recorded
     * (BookingSaga#refundedInPartBefore). Which statuses a transition leaves is judged by its {@code from} list: a
     * call mixing payable and other statuses in it would clear the mark of a booking in either.
     */
    private static final String REFUND_SEEN_CLEARED = ", refund_seen_payment = NULL, refund_seen_at = NULL";
    /** What refund_checked_status says of a refund still to make whose retries ended (refundRetriesEnd). */
    static final String RETRIES_ENDED = "retries-ended";
    /** What refund_checked_status says of a refund still to make that the retry sweep tried and failed (refundTried). */
    static final String RETRIED = "retried";
    // a refund still to make whose retries were not recorded as ended since the booking last changed (a failed try's
    // record, RETRIED, ends nothing)
    private static final String RETRIES_NOT_ENDED = "(refund_checked_at IS NULL OR refund_checked_at < updated_at "
            + "OR COALESCE(refund_checked_status, '') <> '" + RETRIES_ENDED + "')";

    /**
     * A confirmed booking as a re-check of the bookings' events reads it: {@code moves}, the changes of its event
     * through the hub (moves, a cancel's removal) begun so far, and {@code movingSince}, when the one under way began
     * (null: none). The columns keep their first names, move_count and moving_since.
     */
    public record ConfirmedBooking(Booking booking, int moves, Instant movingSince) {

        /**
         * Whether a change of its event through the hub (a reschedule's move, a cancel's removal) is under way, begun
         * less than {@code timeout} ago (an older one's instance died).
         */
        public boolean eventChangeUnderWay(Instant now, Duration timeout) {
            return movingSince != null && movingSince.plus(timeout).isAfter(now);
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final ZoneId zone;

    public BookingRepository(JdbcClient jdbc, TransactionTemplate transactions, AvailabilityProperties availability) {
        this.jdbc = jdbc;
        this.transactions = readCommitted(transactions);
        this.zone = availability.timeZone();
    }

    /**
     * The same transactions at READ COMMITTED, whatever the database's default: each here takes a row lock (the slot
     * lock, a booking's) and then reads what the lock's last holder committed. At REPEATABLE READ (PostgreSQL's
     * default_transaction_isolation set so) a transaction that waited for the lock read the snapshot taken before it
     * waited: two reservations of one slot both found it free, and both were booked.
     */
    private static TransactionTemplate readCommitted(TransactionTemplate transactions) {
        TransactionTemplate pinned = new TransactionTemplate(transactions.getTransactionManager(), transactions);
        pinned.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        return pinned;
    }

    /**
     * Runs {@code work} while holding the slot lock: reservations are checked and written one at a time, across
     * threads and hub instances, so two requests for one slot cannot both win.
     */
    public <T> T withSlotLock(Supplier<T> work) {
        return transactions.execute(status -> {
            jdbc.sql("SELECT name FROM booking_lock WHERE name = 'slots' FOR UPDATE").query(String.class).single();
            return work.get();
        });
    }

    /**
     * Runs work in a transaction holding the booking's row lock: one saga step per booking at a time, across
     * threads and hub instances (two instances can receive the same payment event at the same moment).
     */
    public void withBookingLock(String id, Runnable work) {
        transactions.executeWithoutResult(status -> {
            jdbc.sql("SELECT id FROM booking WHERE id = :id FOR UPDATE").param("id", id).query(String.class).optional();
            work.run();
        });
    }

    /** Ranges held by confirmed bookings and unexpired pending ones that overlap [from, to). */
    public List<TimeRange> activeRanges(Instant from, Instant to, Instant now) {
        return activeRanges(from, to, now, "");
    }

    /** The same, leaving out one booking (the one being rescheduled or re-held). */
    public List<TimeRange> activeRanges(Instant from, Instant to, Instant now, String exceptId) {
        return jdbc.sql("SELECT start_at, end_at FROM booking WHERE " + ACTIVE
                        + " AND start_at < :to AND end_at > :from AND id <> :except ORDER BY start_at")
                .param("now", utc(now)).param("from", utc(from)).param("to", utc(to)).param("except", exceptId)
                .query((rs, i) -> new TimeRange(instant(rs, "start_at"), instant(rs, "end_at")))
                .list();
    }

    /**
     * The ranges of active bookings other than {@code exceptId} that take {@code slot} from a booking whose hold, running
     * when it was judged, ends at {@code holdExpiresAt}: one overlapping the slot, and one in [from, to) (the slot
     * widened by the buffer) put where it is at or after that end, by a clock that saw the hold run out. updated_at
     * dates that: every write that puts a booking in a slot sets it to an instant no earlier, to the second (hold ends
     * are whole seconds), than the one its check under the slot lock judged holds on (a reservation's insert, a
     * re-hold, a reschedule's move, a re-check's follow). A neighbour already in the buffer while the hold ran (a
     * confirmed booking the re-check followed there, which takes no buffer; one reserved with a smaller buffer) is not
     * the hold's loss: its slot is the booking's own. A neighbour changed otherwise after that end counts too, as
     * before.
     */
    public List<TimeRange> rangesTakingHold(TimeRange slot, Instant from, Instant to, Instant holdExpiresAt,
                                            Instant now, String exceptId) {
        return jdbc.sql("SELECT start_at, end_at FROM booking WHERE " + ACTIVE
                        + " AND start_at < :to AND end_at > :from AND id <> :except"
                        + " AND ((start_at < :slotEnd AND end_at > :slotStart) OR updated_at >= :holdEnd)"
                        + " ORDER BY start_at")
                .param("now", utc(now)).param("from", utc(from)).param("to", utc(to)).param("except", exceptId)
                .param("slotStart", utc(slot.start())).param("slotEnd", utc(slot.end()))
                .param("holdEnd", utc(holdExpiresAt))
                .query((rs, i) -> new TimeRange(instant(rs, "start_at"), instant(rs, "end_at")))
                .list();
    }

    /** Records the started payment of a pending booking. */
    public void paymentStarted(String id, String provider, String reference, String url, Instant now) {
        jdbc.sql("UPDATE booking SET provider = :provider, payment_reference = :reference, payment_url = :url, "
                        + "updated_at = :now WHERE id = :id")
                .param("id", id).param("provider", provider).param("reference", reference).param("url", url)
                .param("now", utc(now)).update();
    }

    /**
     * Moves a booking to {@code to} only if it is in one of {@code from}: the single place where status changes,
     * so a duplicate or reordered event can never move a booking backwards. A paid booking waiting for its
     * confirmation does not move (no expiry or failure event can undo a payment); only {@link #confirm} and a
     * cancellation ({@link #cancelUnconfirmed}) take it on. Answers whether it moved.
     */
    public boolean transition(String id, List<BookingStatus> from, BookingStatus to, String reason, Instant now) {
        boolean leavesPayable = from.stream().anyMatch(PAYABLE::contains) && !PAYABLE.contains(to);
        return jdbc.sql("UPDATE booking SET status = :to, status_reason = :reason, updated_at = :now "
                        + (leavesPayable ? REFUND_SEEN_CLEARED : "")
                        + " WHERE id = :id AND status IN (:from) AND " + NOT_PAID_PENDING)
                .param("id", id).param("to", to.name()).param("reason", reason).param("now", utc(now))
                .param("from", from.stream().map(Enum::name).toList())
                .update() == 1;
    }

    /**
     * A longer hold for a pending booking with no payment recorded whose customer's payment is on its way: the hold
     * ends at {@code until} (never sooner than it did); false for any other booking.
     */
    public boolean extendHold(String id, Instant until, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET hold_expires_at = :until, status_reason = :reason, updated_at = :now "
                        + "WHERE id = :id AND status = 'PENDING_PAYMENT' AND paid_amount IS NULL "
                        + "AND hold_expires_at > :now AND hold_expires_at < :until")
                .param("id", id).param("until", utc(until)).param("reason", reason).param("now", utc(now))
                .update() == 1;
    }

    /**
     * EXPIRED, its own payment page having expired, unless its hold runs past {@code madeHoldEnd} (the hold it was
     * made with): extended for a delayed payment processing on another of its sessions, which keeps the slot until
     * that payment settles or the longer hold runs out. False for any other booking.
     */
    public boolean expireUnlessHeldLonger(String id, Instant madeHoldEnd, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET status = 'EXPIRED', status_reason = :reason, updated_at = :now "
                        + "WHERE id = :id AND status = 'PENDING_PAYMENT' AND paid_amount IS NULL "
                        + "AND (hold_expires_at IS NULL OR hold_expires_at <= :made)")
                .param("id", id).param("made", utc(madeHoldEnd)).param("reason", reason).param("now", utc(now))
                .update() == 1;
    }

    /**
     * Whether the pending booking {@code id}, with no payment recorded, is held at least until {@code until} (a hold
     * extended for a processing payment already reaching that far: the start, say).
     */
    public boolean heldAtLeastUntil(String id, Instant until, Instant now) {
        return jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND status = 'PENDING_PAYMENT' "
                        + "AND paid_amount IS NULL AND hold_expires_at > :now AND hold_expires_at >= :until")
                .param("id", id).param("until", utc(until)).param("now", utc(now)).query(Integer.class).single() > 0;
    }

    /**
     * Records a delayed payment processing for booking {@code id} (V38): {@code payment} the Checkout Session or
     * Payment Intent its event named, {@code paymentIntent} the session's Payment Intent (the same id for a Payment
     * Intent; "" if none), {@code eventCreated} the Stripe event's created (null if unknown). Called under the slot
     * lock, with the hold's extension; a repeat adds nothing, nor a payment recorded failed, except a Payment
     * Intent's debit retried ({@link #retriedProcessing}). False when it was recorded already (and not retried).
     */
    public boolean recordProcessing(String id, String payment, String paymentIntent, Instant eventCreated,
                                    Instant now) {
        return insertProcessing(id, payment, paymentIntent, eventCreated, now)
                || retriedProcessing(id, payment, paymentIntent, eventCreated, now);
    }

    private boolean insertProcessing(String id, String payment, String paymentIntent, Instant eventCreated,
                                     Instant now) {
        // a null created left out of the statement: PostgreSQL cannot type an untyped null parameter
        var insert = jdbc.sql("INSERT INTO booking_processing_payment (booking_id, payment_ref, payment_intent, "
                        + "recorded_at, event_created) SELECT :id, :payment, :intent, :now, "
                        + (eventCreated == null ? "NULL" : ":created") + " FROM (VALUES (1)) AS one WHERE NOT EXISTS "
                        + "(SELECT 1 FROM booking_processing_payment WHERE booking_id = :id "
                        + "AND payment_ref = :payment)")
                .param("id", id).param("payment", payment)
                .param("intent", Objects.requireNonNullElse(paymentIntent, "")).param("now", utc(now));
        return (eventCreated == null ? insert : insert.param("created", utc(eventCreated))).update() == 1;
    }

    /**
     * A Payment Intent's row, processing again by an event created after the one that recorded it: the debit retried
     * on the same Payment Intent (the customer confirming it with another account, Stripe retrying it). Its row is
     * processing again, dated by this event, so the retry's own failure ends the hold it gets, and the first attempt's
     * failure, created before the retry, fails nothing: also when that failure is handled only after the retry (its
     * delivery delayed, a dead letter replayed), the row still processing then; before, only a failed row was dated
     * again, so that late failure marked it failed and ended the hold while the retry was on its way. The caller has
     * judged the event newer than the failure remembered (V39). A Checkout Session's row is never retried (its failure
     * is final), nor one whose event is of unknown created: a redelivery cannot be told from a retry then.
     */
    private boolean retriedProcessing(String id, String payment, String paymentIntent, Instant eventCreated,
                                      Instant now) {
        return eventCreated != null && payment.equals(paymentIntent) && jdbc.sql("UPDATE booking_processing_payment "
                        + "SET failed_at = NULL, event_created = :created, recorded_at = :now WHERE booking_id = :id "
                        + "AND payment_ref = :payment AND payment_intent = :payment "
                        + "AND (event_created IS NULL OR event_created < :created)")
                .param("id", id).param("payment", payment).param("created", utc(eventCreated))
                .param("now", utc(now)).update() == 1;
    }

    /**
     * Marks failed the processing payments of booking {@code id} a final failure names ({@code payments}: its Checkout
     * Session, its Payment Intent; a session's row also fails with its Payment Intent's failure), their rows kept
     * (failed_at): whether the booking's own page failed is read from them ({@link #failedAlready}). A failure whose
     * event was created ({@code failureCreated}, null if unknown) before the event that recorded a payment is older
     * than that payment (a card declined before the debit on the same page, delivered late) and fails nothing.
     * Answers how many it marked.
     */
    public int processingFailed(String id, List<String> payments, Instant failureCreated, Instant now) {
        return processingFailed(id, payments, failureCreated, false, now);
    }

    /**
     * {@link #processingFailed(String, List, Instant, Instant)}; {@code sameSecondOlder}: a payment recorded by an
     * event created in the failure's second is newer than the failure (its Payment Intent, asked at Stripe, still
     * processing or paid), not failed by it.
     */
    public int processingFailed(String id, List<String> payments, Instant failureCreated, boolean sameSecondOlder,
                                Instant now) {
        List<String> named = payments.stream().filter(p -> p != null && !p.isEmpty()).distinct().toList();
        if (named.isEmpty()) {
            return 0;
        }
        var update = jdbc.sql("UPDATE booking_processing_payment SET failed_at = :now WHERE booking_id = :id "
                        + "AND failed_at IS NULL AND (payment_ref IN (:payments) OR payment_intent IN (:payments))"
                        + (failureCreated == null ? "" : " AND (event_created IS NULL OR event_created "
                        + (sameSecondOlder ? "<" : "<=") + " :created)"))
                .param("id", id).param("payments", named).param("now", utc(now));
        return (failureCreated == null ? update : update.param("created", utc(failureCreated))).update();
    }

    /**
     * Records payment {@code payment} of booking {@code id} failed for good where no row has it (its processing never
     * recorded: the booking's own page's failure while another payment is processing), so the last other one's
     * failure knows it.
     */
    public void recordFailed(String id, String payment, String paymentIntent, Instant now) {
        jdbc.sql("INSERT INTO booking_processing_payment (booking_id, payment_ref, payment_intent, recorded_at, "
                        + "failed_at) SELECT :id, :payment, :intent, :now, :now FROM (VALUES (1)) AS one WHERE NOT "
                        + "EXISTS (SELECT 1 FROM booking_processing_payment WHERE booking_id = :id "
                        + "AND payment_ref = :payment)")
                .param("id", id).param("payment", payment)
                .param("intent", Objects.requireNonNullElse(paymentIntent, "")).param("now", utc(now))
                .update();
    }

    /**
     * Remembers the final failure of the payments of booking {@code id} it names (V39), so a processing event
     * delivered after it does not hold the slot for them ({@link #failureSeen}): {@code session}, the Checkout Session
     * a checkout.session.async_payment_failed names (final, whenever created: it always follows its completion; null
     * for none), and {@code paymentIntent}, the Payment Intent (judged by {@code created}, Stripe's created of the
     * failure's event, the newest kept; null if unknown). Called under the slot lock.
     */
    public void rememberFailure(String id, String session, String paymentIntent, Instant created, Instant now) {
        if (session != null && !session.isEmpty()) {
            rememberFailure(id, session, true, created, now);
        }
        if (paymentIntent != null && !paymentIntent.isEmpty() && !paymentIntent.equals(session)) {
            rememberFailure(id, paymentIntent, false, created, now);
        }
    }

    private void rememberFailure(String id, String payment, boolean sessionFailed, Instant created, Instant now) {
        // a null created left out of the statements: PostgreSQL cannot type an untyped null parameter
        String at = created == null ? "NULL" : ":created";
        var update = jdbc.sql("UPDATE booking_payment_failure SET session_failed = session_failed OR :session, "
                        + "failure_created = " + (created == null ? "failure_created" : "CASE WHEN failure_created "
                        + "IS NULL OR failure_created < :created THEN :created ELSE failure_created END")
                        + " WHERE booking_id = :id AND payment_ref = :payment")
                .param("id", id).param("payment", payment).param("session", sessionFailed);
        if ((created == null ? update : update.param("created", utc(created))).update() > 0) {
            return;
        }
        var insert = jdbc.sql("INSERT INTO booking_payment_failure (booking_id, payment_ref, session_failed, "
                        + "failure_created, recorded_at) VALUES (:id, :payment, :session, " + at + ", :now)")
                .param("id", id).param("payment", payment).param("session", sessionFailed).param("now", utc(now));
        (created == null ? insert : insert.param("created", utc(created))).update();
    }

    /** A row of booking_payment_failure (V39). */
    private record RememberedFailure(String payment, boolean sessionFailed, OffsetDateTime created) {
    }

    /** What booking {@code id} remembers of a processing payment's failure ({@link #failureSeen}). */
    public enum FailureSeen {
        /** No failure newer than the processing event: it holds the slot. */
        NONE,
        /** A failure of its Payment Intent created in the same second: Stripe's {@code created} cannot order them. */
        SAME_SECOND,
        /** Its session failed for good, or its Payment Intent in a failure created after the processing event. */
        FAILED
    }

    /**
     * Whether the payment a processing event names ({@code session}, null for none; {@code paymentIntent}, its
     * {@code created}: Stripe's, null if unknown) failed already ({@link #rememberFailure}), handled before it.
     */
    public FailureSeen failureSeen(String id, String session, String paymentIntent, Instant created) {
        List<String> named = Stream.of(session, paymentIntent).filter(p -> p != null && !p.isEmpty())
                .distinct().toList();
        if (named.isEmpty()) {
            return FailureSeen.NONE;
        }
        FailureSeen seen = FailureSeen.NONE;
        for (RememberedFailure row : jdbc.sql("SELECT payment_ref, session_failed, failure_created "
                        + "FROM booking_payment_failure WHERE booking_id = :id AND payment_ref IN (:payments)")
                .param("id", id).param("payments", named)
                .query((rs, n) -> new RememberedFailure(rs.getString(1), rs.getBoolean(2),
                        rs.getObject(3, OffsetDateTime.class))).list()) {
            Instant failed = row.created() == null ? null : row.created().toInstant();
            if (row.sessionFailed() && row.payment().equals(session)
                    || failed != null && created != null && failed.isAfter(created)) {
                return FailureSeen.FAILED;
            }
            if (failed != null && failed.equals(created)) {
                seen = FailureSeen.SAME_SECOND;
            }
        }
        return seen;
    }

    /**
     * Whether a payment of booking {@code id} naming Payment Intent {@code paymentIntent} is recorded processing by an
     * event created in second {@code created}, not failed: a failure created then cannot be ordered by Stripe's
     * {@code created} against it.
     */
    public boolean processingRecordedIn(String id, String paymentIntent, Instant created) {
        return paymentIntent != null && !paymentIntent.isEmpty() && created != null && jdbc.sql("SELECT COUNT(*) "
                        + "FROM booking_processing_payment WHERE booking_id = :id AND failed_at IS NULL "
                        + "AND (payment_ref = :intent OR payment_intent = :intent) AND event_created = :created")
                .param("id", id).param("intent", paymentIntent).param("created", utc(created))
                .query(Integer.class).single() > 0;
    }

    /** Whether payment {@code payment} (a Checkout Session: the booking's own page) of booking {@code id} failed. */
    public boolean failedAlready(String id, String payment) {
        return payment != null && jdbc.sql("SELECT COUNT(*) FROM booking_processing_payment WHERE booking_id = :id "
                        + "AND payment_ref = :payment AND failed_at IS NOT NULL")
                .param("id", id).param("payment", payment).query(Integer.class).single() > 0;
    }

    /**
     * The payments recorded as processing for booking {@code id} ({@link #recordProcessing}), none failed, oldest
     * first.
     */
    public List<String> processingPayments(String id) {
        return jdbc.sql("SELECT payment_ref FROM booking_processing_payment WHERE booking_id = :id "
                        + "AND failed_at IS NULL ORDER BY recorded_at, payment_ref")
                .param("id", id).query(String.class).list();
    }

    /**
     * Ends a hold extended for a processing payment that failed, none other left: the pending booking with no payment
     * recorded is held until {@code until} (an ordinary hold from now) where its hold ran longer. False for any other.
     */
    public boolean endProcessingHold(String id, Instant until, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET hold_expires_at = :until, status_reason = :reason, updated_at = :now "
                        + "WHERE id = :id AND status = 'PENDING_PAYMENT' AND paid_amount IS NULL "
                        + "AND hold_expires_at > :until")
                .param("id", id).param("until", utc(until)).param("reason", reason).param("now", utc(now))
                .update() == 1;
    }

    /**
     * A booking whose hold ran out (expired, or not yet by the sweep), or whose payment failed (PAYMENT_FAILED: a debit
     * retried on its failed Payment Intent, another payment made), and whose delayed payment is processing holds its
     * slot again (the caller checked it is free), as a late payment's re-hold ({@link #reholdPaid}) takes it.
     */
    public boolean reholdProcessing(String id, Instant until, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET status = 'PENDING_PAYMENT', hold_expires_at = :until, "
                        + "status_reason = :reason, updated_at = :now WHERE id = :id AND paid_amount IS NULL "
                        + "AND (status IN ('EXPIRED', 'PAYMENT_FAILED') "
                        + "OR status = 'PENDING_PAYMENT' AND hold_expires_at <= :now)")
                .param("id", id).param("until", utc(until)).param("reason", reason).param("now", utc(now))
                .update() == 1;
    }

    /**
     * REFUNDED, by a payment that paid for nothing (the slot was taken, the booking cancelled before it): recorded on
     * the booking, so a repeat of its event is known as that payment's.
     */
    public boolean refundedUnused(String id, List<BookingStatus> from, Booking payment, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET status = 'REFUNDED', status_reason = :reason, provider = :provider, "
                        + "payment_reference = :reference, paid_amount = :paid, hold_expires_at = NULL, "
                        + "updated_at = :now" + REFUND_SEEN_CLEARED
                        + " WHERE id = :id AND status IN (:from) AND paid_amount IS NULL")
                .param("id", id).param("reason", reason).param("provider", payment.provider())
                .param("reference", payment.paymentReference()).param("paid", payment.paidAmount())
                .param("now", utc(now)).param("from", from.stream().map(Enum::name).toList())
                .update() == 1;
    }

    /**
     * A paid booking waiting for its confirmation whose payment (this one) the provider shows refunded already:
     * REFUNDED, never confirmed. False for any other booking.
     */
    public boolean refundedUnconfirmed(String id, String paymentReference, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET status = 'REFUNDED', status_reason = :reason, updated_at = :now"
                        + REFUND_SEEN_CLEARED + " WHERE id = :id AND status = 'PENDING_PAYMENT' "
                        + "AND paid_amount IS NOT NULL AND payment_reference = :reference")
                .param("id", id).param("reference", paymentReference).param("reason", reason)
                .param("now", utc(now)).update() == 1;
    }

    /**
     * Sets the status reason of a booking not (or not yet) confirmed, waiting for a payment or past its hold, its status
     * kept, about the payment {@code provider} and {@code paymentReference} name: only while the booking has no payment
     * recorded, or has that one (a paid one waiting for its confirmation). A booking another payment was recorded on
     * meanwhile (two payments of it handled at once, in their own message groups) keeps its reason: one payment's
     * story is not the one paying it. False for any other booking.
     */
    public boolean reasonOfUnconfirmed(String id, String provider, String paymentReference, String reason,
                                       Instant now) {
        return jdbc.sql("UPDATE booking SET status_reason = :reason, updated_at = :now "
                        + "WHERE id = :id AND status IN ('PENDING_PAYMENT', 'EXPIRED', 'PAYMENT_FAILED') "
                        + "AND (paid_amount IS NULL OR provider = :provider AND payment_reference = :reference)")
                .param("id", id).param("provider", provider).param("reference", paymentReference)
                .param("reason", reason.length() <= 200 ? reason : reason.substring(0, 200))
                .param("now", utc(now)).update() == 1;
    }

    /**
     * Sets the status reason of a booking waiting for a payment (or past its hold), its status kept, only while no
     * payment is recorded on it: why a payment that could not pay for it was refunded. One paid meanwhile by another
     * payment (handled at once, in its own message group) keeps its reason. False for any other booking.
     */
    public boolean reasonOfUnpaid(String id, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET status_reason = :reason, updated_at = :now "
                        + "WHERE id = :id AND status IN ('PENDING_PAYMENT', 'EXPIRED', 'PAYMENT_FAILED') "
                        + "AND paid_amount IS NULL")
                .param("id", id).param("reason", reason.length() <= 200 ? reason : reason.substring(0, 200))
                .param("now", utc(now)).update() == 1;
    }

    /** A booking left for a person to settle by hand: since when, and why (V20). */
    public record Attention(String bookingId, BookingStatus status, Instant since, String note) {
    }

    /** The longest attention note kept (V20 attention_note): older notes go first. */
    static final int ATTENTION_NOTE_MAX = 500;
    private static final String NOTE_SEPARATOR = "; ";

    /**
     * Marks a booking as needing a person (V20), whatever its status: since the first time (kept when marked again),
     * its note added to those it has (joined by "; "; one it has already is not added again; past
     * {@link #ATTENTION_NOTE_MAX} characters the oldest go first, the newest kept). It stays marked, whatever happens
     * to the booking, until {@link #clearAttention}. Under the booking's row lock, so two marks at once keep both notes.
     */
    public boolean needsAttention(String id, String note, Instant now) {
        Boolean marked = transactions.execute(status -> jdbc.sql(
                        "SELECT attention_note FROM booking WHERE id = :id FOR UPDATE").param("id", id)
                .query((rs, row) -> Optional.ofNullable(rs.getString("attention_note"))).optional()
                .map(had -> jdbc.sql("UPDATE booking SET attention_since = COALESCE(attention_since, :now), "
                                + "attention_note = :note WHERE id = :id")
                        .param("id", id).param("note", joinedNote(had.orElse(null), note)).param("now", utc(now))
                        .update() == 1)
                .orElse(false));
        return Boolean.TRUE.equals(marked);
    }

    /**
     * The note {@code old} of the booking's mark replaced by {@code note} (what {@code old} said is now known better:
     * a Payrexx refund under way whose amount a later status gives), the mark's since kept. Nothing when the mark no
     * longer holds {@code old} (a person cleared it: they were told once, and are not told again). Under the
     * booking's row lock. False when nothing was replaced.
     */
    public boolean attentionNoteReplaced(String id, String old, String note) {
        return attentionNoteChanged(id, had -> {
            String without = withoutNote(had, old);
            return Objects.equals(without, had) ? null : joinedNote(without, note);
        });
    }

    /**
     * As {@link #attentionNoteReplaced}, {@code old} found also with a tail in parentheses after it (a refund through
     * the hub's refund endpoint names its amount so: "… decide whether the appointment stands (3000 of it through …)"),
     * which is kept after {@code note}, in the place the note had. False when the mark does not hold it.
     */
    public boolean attentionNoteRestated(String id, String old, String note) {
        return attentionNoteChanged(id, had -> {
            String restated = restated(had, old, note);
            return restated.equals(had) ? null : restated;
        });
    }

    /**
     * The booking's mark's note as {@code changed} makes it (null: the mark does not hold what it changes), the mark's
     * since kept; nothing for a booking not marked. Under the booking's row lock. False when nothing was changed.
     */
    private boolean attentionNoteChanged(String id, UnaryOperator<String> changed) {
        Boolean done = transactions.execute(status -> jdbc.sql(
                        "SELECT attention_note FROM booking WHERE id = :id FOR UPDATE").param("id", id)
                .query((rs, row) -> Optional.ofNullable(rs.getString("attention_note"))).optional()
                .flatMap(had -> had)
                .map(changed)
                .map(note -> jdbc.sql("UPDATE booking SET attention_note = :note WHERE id = :id "
                                + "AND attention_since IS NOT NULL")
                        .param("id", id).param("note", note).update() == 1)
                .orElse(false));
        return Boolean.TRUE.equals(done);
    }

    /**
     * {@code had} with its note {@code old} (whole, or followed by a tail " (…)") reworded as {@code note}, the tail
     * kept; {@code had} as it is when it does not hold it.
     */
    static String restated(String had, String old, String note) {
        for (int at = had.indexOf(old); at >= 0; at = had.indexOf(old, at + 1)) {
            int end = at + old.length();
            boolean starts = at == 0 || at >= NOTE_SEPARATOR.length() && had.startsWith(NOTE_SEPARATOR,
                    at - NOTE_SEPARATOR.length());
            boolean ends = end == had.length() || had.startsWith(NOTE_SEPARATOR, end) || had.startsWith(" (", end);
            if (starts && ends) {
                return had.substring(0, at) + note + had.substring(end);
            }
        }
        return had;
    }

    /**
     * The note {@code done} leaves the booking's mark, once what it asked for is seen done (a Payrexx refund of what
     * was left, asked of a person, then shown made); the mark is cleared when nothing else is left in it, as
     * {@link #refundSettledByHand} clears it. Under the booking's row lock. False when the mark does not hold it.
     */
    public boolean attentionNoteDone(String id, String done) {
        return attentionNoteDone(id, had -> withoutNote(had, done));
    }

    /**
     * As {@link #attentionNoteDone(String, String)}, every note beginning with {@code prefix} (a note worded more than
     * one way, its beginning the same: a payment above its price, whose note names a held payment's status or not).
     */
    public boolean attentionNotesDone(String id, String prefix) {
        return attentionNoteDone(id, had -> {
            // the notes as joinedNote joined them; pieces of another note that holds "; " are kept as they were
            List<String> kept = Stream.of(had.split(NOTE_SEPARATOR)).filter(note -> !note.startsWith(prefix)).toList();
            return kept.isEmpty() ? null : String.join(NOTE_SEPARATOR, kept);
        });
    }

    private boolean attentionNoteDone(String id, UnaryOperator<String> without) {
        Boolean removed = transactions.execute(status -> jdbc.sql(
                        "SELECT attention_note FROM booking WHERE id = :id FOR UPDATE").param("id", id)
                .query((rs, row) -> Optional.ofNullable(rs.getString("attention_note"))).optional()
                .flatMap(had -> had)
                .filter(had -> !Objects.equals(without.apply(had), had))
                .map(had -> {
                    String kept = without.apply(had);
                    return jdbc.sql("UPDATE booking SET attention_note = :note"
                                    + (kept == null ? ", attention_since = NULL" : "") + " WHERE id = :id")
                            .param("id", id).param("note", kept).update() == 1;
                })
                .orElse(false));
        return Boolean.TRUE.equals(removed);
    }

    /** {@code had} and {@code note} joined, the newest kept within {@link #ATTENTION_NOTE_MAX}. */
    static String joinedNote(String had, String note) {
        String added = note.length() <= ATTENTION_NOTE_MAX ? note : note.substring(0, ATTENTION_NOTE_MAX);
        if (had == null || had.isEmpty()) {
            return added;
        }
        if (had.equals(added) || had.endsWith(NOTE_SEPARATOR + added) || had.startsWith(added + NOTE_SEPARATOR)
                || had.contains(NOTE_SEPARATOR + added + NOTE_SEPARATOR)) {
            return had;
        }
        String joined = had + NOTE_SEPARATOR + added;
        while (joined.length() > ATTENTION_NOTE_MAX) {
            // the oldest note goes first: whole, while another is left before the newest, else cut from the front
            int next = joined.indexOf(NOTE_SEPARATOR);
            joined = next >= 0 && next + NOTE_SEPARATOR.length() <= joined.length() - added.length()
                    ? joined.substring(next + NOTE_SEPARATOR.length())
                    : joined.substring(joined.length() - ATTENTION_NOTE_MAX);
        }
        return joined;
    }

    /**
     * {@code had} less {@code note} where {@link #joinedNote} put it (the whole, first, last or between two others);
     * null when nothing is left; {@code had} as it is when it does not hold it.
     */
    static String withoutNote(String had, String note) {
        if (had == null || had.equals(note)) {
            return null;
        }
        if (had.startsWith(note + NOTE_SEPARATOR)) {
            return had.substring(note.length() + NOTE_SEPARATOR.length());
        }
        if (had.endsWith(NOTE_SEPARATOR + note)) {
            return had.substring(0, had.length() - note.length() - NOTE_SEPARATOR.length());
        }
        int at = had.indexOf(NOTE_SEPARATOR + note + NOTE_SEPARATOR);
        return at < 0 ? had : had.substring(0, at) + had.substring(at + NOTE_SEPARATOR.length() + note.length());
    }

    /** What recording a refund settled by hand found: recorded, or the booking has no refund pending. */
    public sealed interface RefundSettle {
        /** The booking as recorded, and its mark before and after (since and note null: none). */
        record Settled(Booking booking, Attention markWas, Attention markNow) implements RefundSettle {
        }

        record NotPending(Booking booking) implements RefundSettle {
        }
    }

    /**
     * A person paid back the customer of a paid booking CANCELLED with its refund still to make (its status reason one
     * of {@code pending}) another way: it stays CANCELLED, its status reason {@code settled} of the pending one, so no
     * refund of it is made or counted from then on; the notes {@code settledNotes} (those that asked for this) leave
     * its mark (V20), which is cleared when nothing else is left in it (another note, say a refund outside the hub,
     * keeps it for the person to read and clear). Under the booking's row lock, in one transaction: a refund of it
     * being made meanwhile (a cancel, the retry sweep, its payment's event: each holds that lock while the provider is
     * asked) ends first, and this then finds it REFUNDED. Empty for an unknown booking.
     */
    public Optional<RefundSettle> refundSettledByHand(String id, List<String> pending, UnaryOperator<String> settled,
                                                      List<String> settledNotes, Instant now) {
        return Optional.ofNullable(transactions.execute(status -> findLocked(id).<RefundSettle>map(current -> {
            if (current.status() != BookingStatus.CANCELLED || !current.paid()
                    || !pending.contains(current.statusReason())) {
                return new RefundSettle.NotPending(current);
            }
            jdbc.sql("UPDATE booking SET status_reason = :reason, updated_at = :now WHERE id = :id")
                    .param("id", id).param("reason", settled.apply(current.statusReason())).param("now", utc(now))
                    .update();
            Attention was = attention(id).orElseThrow();
            String kept = was.note();
            for (String note : settledNotes) {
                kept = withoutNote(kept, note);
            }
            if (was.since() != null && !Objects.equals(kept, was.note())) {
                jdbc.sql("UPDATE booking SET attention_note = :note"
                                + (kept == null ? ", attention_since = NULL" : "") + " WHERE id = :id")
                        .param("id", id).param("note", kept).update();
            }
            return new RefundSettle.Settled(find(id).orElseThrow(), was, attention(id).orElseThrow());
        }).orElse(null)));
    }

    /** What a conditional clear found: the mark cleared (as it was), none to clear, or another than the one seen. */
    public sealed interface AttentionClear {
        record Cleared(Attention was) implements AttentionClear {
        }

        record NotMarked() implements AttentionClear {
        }

        record Changed(Attention now) implements AttentionClear {
        }
    }

    /**
     * A person settled it: the booking's mark and note removed, only if the mark is still the one they saw
     * ({@code since} and {@code note}): a note added meanwhile (another payment left for a person) is not cleared
     * unseen. Under the booking's row lock. Empty for an unknown booking.
     */
    public Optional<AttentionClear> clearAttention(String id, Instant since, String note) {
        return transactions.execute(status -> {
            jdbc.sql("SELECT id FROM booking WHERE id = :id FOR UPDATE").param("id", id).query(String.class).optional();
            return attention(id).map(current -> {
                if (current.since() == null) {
                    return new AttentionClear.NotMarked();
                }
                if (!current.since().equals(since) || !Objects.equals(current.note(), note)) {
                    return new AttentionClear.Changed(current);
                }
                jdbc.sql("UPDATE booking SET attention_since = NULL, attention_note = NULL WHERE id = :id")
                        .param("id", id).update();
                return new AttentionClear.Cleared(current);
            });
        });
    }

    /** A booking's mark (since and note null when it has none); empty for an unknown booking. */
    public Optional<Attention> attention(String id) {
        return jdbc.sql("SELECT id, status, attention_since, attention_note FROM booking WHERE id = :id")
                .param("id", id).query(BookingRepository::attention).optional();
    }

    /** The bookings needing a person, oldest mark first, at most {@code limit}. */
    public List<Attention> needingAttention(int limit) {
        return jdbc.sql("SELECT id, status, attention_since, attention_note FROM booking "
                        + "WHERE attention_since IS NOT NULL ORDER BY attention_since, id LIMIT :limit")
                .param("limit", limit).query(BookingRepository::attention).list();
    }

    public int countNeedingAttention() {
        return jdbc.sql("SELECT COUNT(*) FROM booking WHERE attention_since IS NOT NULL").query(Integer.class)
                .single();
    }

    private static Attention attention(ResultSet rs, int row) throws SQLException {
        OffsetDateTime since = rs.getObject("attention_since", OffsetDateTime.class);
        return new Attention(rs.getString("id"), BookingStatus.valueOf(rs.getString("status")),
                since == null ? null : since.toInstant(), rs.getString("attention_note"));
    }

    /**
     * A paid booking waiting for its confirmation, cancelled: CANCELLED, its refund still to make. Committed before
     * anything is asked of a provider, so from here on no confirmation can take the booking (confirm() needs it
     * PENDING_PAYMENT) and its slot is free. False when it is not (or no longer) a paid booking waiting.
     */
    public boolean cancelUnconfirmed(String id, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET status = 'CANCELLED', status_reason = :reason, updated_at = :now"
                        + REFUND_SEEN_CLEARED + " WHERE id = :id AND status = 'PENDING_PAYMENT' "
                        + "AND paid_amount IS NOT NULL")
                .param("id", id).param("reason", reason).param("now", utc(now)).update() == 1;
    }

    /**
     * Paid bookings cancelled whose refund is still to make (their status reason one of {@code reasons}), cancelled at
     * or after {@code since}: those the retry sweep has not tried since their last change first (oldest first), then
     * those it tried longest ago ({@link #refundTried}). A failed try changes nothing else, so without that record
     * every sweep took the same oldest ones, and, with a batch of them the provider kept refusing, a later
     * cancellation's refund was not tried again until those left the window.
     */
    public List<Booking> pendingRefunds(List<String> reasons, Instant since, int limit) {
        return jdbc.sql("SELECT * FROM booking WHERE " + PENDING_REFUND + " AND updated_at >= :since "
                        + "ORDER BY CASE WHEN refund_checked_at >= updated_at THEN refund_checked_at END NULLS FIRST, "
                        + "updated_at, id LIMIT :limit")
                .param("reasons", reasons).param("since", utc(since)).param("limit", limit)
                .query(this::map).list();
    }

    /**
     * The retry sweep tried the refund still to make of the booking {@code at}, and it failed: recorded as the
     * refund's last look (V23 refund_checked_at, refund_checked_status {@value #RETRIED}) so that the next sweep takes
     * it after the others ({@link #pendingRefunds}). Only while it still waits for that refund; not a record of its
     * retries' end ({@link #RETRIES_NOT_ENDED}), and the Payrexx refund watch reads those columns only on REFUNDED
     * bookings, where a status seen by it differs from this one.
     */
    public void refundTried(String id, List<String> reasons, Instant at) {
        jdbc.sql("UPDATE booking SET refund_checked_at = :at, refund_checked_status = '" + RETRIED + "' "
                        + "WHERE id = :id AND " + PENDING_REFUND)
                .param("id", id).param("reasons", reasons).param("at", utc(at)).update();
    }

    /**
     * Paid bookings cancelled whose refund is still to make (their status reason one of {@code reasons}) that the
     * retry sweep no longer tries (cancelled before {@code before}) and whose retries have not been recorded as ended
     * since their last change ({@link #refundRetriesEnd}), oldest first.
     */
    public List<Booking> refundRetriesEnding(List<String> reasons, Instant before, int limit) {
        return jdbc.sql("SELECT * FROM booking WHERE " + PENDING_REFUND + " AND " + RETRIES_NOT_ENDED
                        + " AND updated_at < :before ORDER BY updated_at, id LIMIT :limit")
                .param("reasons", reasons).param("before", utc(before)).param("limit", limit)
                .query(this::map).list();
    }

    /**
     * The retries of a refund still to make ended, recorded on the booking in the same transaction as its mark as
     * needing a person ({@code note}, {@link #needsAttention}), if it is still such a booking (as
     * {@link #refundRetriesEnding} reads it): once, so a person who clears the mark is not asked again by the next
     * sweep. Recorded as the refund's last look (V23 refund_checked_at, later than the booking's last change, and
     * refund_checked_status {@value #RETRIES_ENDED}); the Payrexx refund watch reads those columns only on REFUNDED
     * bookings waiting for their provider, which such a booking never becomes. False when it is no longer such a one.
     */
    public boolean refundRetriesEnd(String id, List<String> reasons, Instant before, String note, Instant now) {
        Boolean ended = transactions.execute(status -> {
            boolean recorded = jdbc.sql("UPDATE booking SET refund_checked_at = :now, refund_checked_status = '"
                            + RETRIES_ENDED + "' WHERE id = :id AND " + PENDING_REFUND + " AND " + RETRIES_NOT_ENDED
                            + " AND updated_at < :before")
                    .param("id", id).param("reasons", reasons).param("before", utc(before)).param("now", utc(now))
                    .update() == 1;
            return recorded && needsAttention(id, note, now);
        });
        return Boolean.TRUE.equals(ended);
    }

    /** How many bookings wait for such a refund, however old (the gauge ops alert on). */
    public int countPendingRefunds(List<String> reasons) {
        return jdbc.sql("SELECT COUNT(*) FROM booking WHERE " + PENDING_REFUND).param("reasons", reasons)
                .query(Integer.class).single();
    }

    /**
     * REFUNDED bookings of {@code provider} whose status reason is {@code reason} (a refund under way at the provider,
     * BookingSaga#refundUnderWayReason) since at or before {@code before}, those looked at longest ago first (never
     * looked at first, then the longest waiting), each with the provider's status seen at its last look (V23).
     */
    public List<AwaitedRefund> awaitingProviderRefund(String provider, String reason, Instant before, int limit) {
        return jdbc.sql("SELECT * FROM booking WHERE status = 'REFUNDED' AND provider = :provider "
                        + "AND status_reason = :reason AND updated_at <= :before "
                        + "ORDER BY refund_checked_at NULLS FIRST, updated_at, id LIMIT :limit")
                .param("provider", provider).param("reason", reason).param("before", utc(before))
                .param("limit", limit)
                .query((rs, row) -> new AwaitedRefund(map(rs, row), rs.getString("refund_checked_status"))).list();
    }

    /** A booking waiting for its refund at the provider, and the provider's status its last look saw (null: none). */
    public record AwaitedRefund(Booking booking, String lastSeen) {
    }

    /**
     * The watch looked at the booking's refund {@code at}: it goes to the end of the line. {@code seen}: the
     * provider's status it found, null to keep the one seen before (the provider did not answer).
     */
    public void refundLookedAt(String id, Instant at, String seen) {
        if (seen == null) {
            jdbc.sql("UPDATE booking SET refund_checked_at = :at WHERE id = :id")
                    .param("id", id).param("at", utc(at)).update();
        } else {
            jdbc.sql("UPDATE booking SET refund_checked_at = :at, refund_checked_status = :seen WHERE id = :id")
                    .param("id", id).param("at", utc(at)).param("seen", seen).update();
        }
    }

    /** How many such bookings wait, however long, and since when the longest (empty: none waits); for the gauges. */
    public Awaiting countAwaitingProviderRefund(String provider, String reason) {
        return jdbc.sql("SELECT COUNT(*) AS waiting, MIN(updated_at) AS since FROM booking WHERE status = 'REFUNDED' "
                        + "AND provider = :provider AND status_reason = :reason")
                .param("provider", provider).param("reason", reason)
                .query((rs, row) -> {
                    OffsetDateTime since = rs.getObject("since", OffsetDateTime.class);
                    return new Awaiting(rs.getInt("waiting"), since == null ? null : since.toInstant());
                }).single();
    }

    /** How many bookings wait for their refund at the provider, and since when the longest of them (null: none). */
    public record Awaiting(int count, Instant since) {
    }

    /** PENDING_PAYMENT -> CONFIRMED with the calendar event and the payment that paid it. */
    public boolean confirm(String id, String eventId, String provider, String paymentReference, long paidAmount,
                           Instant now) {
        return jdbc.sql("UPDATE booking SET status = 'CONFIRMED', calendar_event_id = :eventId, provider = :provider, "
                        + "payment_reference = :reference, paid_amount = :paid, hold_expires_at = NULL, "
                        + "status_reason = NULL, updated_at = :now WHERE id = :id AND status = 'PENDING_PAYMENT'")
                .param("id", id).param("eventId", eventId).param("provider", provider)
                .param("reference", paymentReference).param("paid", paidAmount).param("now", utc(now))
                .update() == 1;
    }

    /**
     * What recording a payment on its booking ({@link #recordPayment}, {@link #reholdPaid}) found: not recorded, or
     * recorded with or without the mark of V25 (a payment of the booking seen refunded before one was recorded, not
     * acted on yet) as the update left the row. Read by the update itself, not by a query before or after it: the
     * mark is written only while no payment is recorded ({@link #refundSeenBeforePayment(String, String, List,
     * Instant)}), so one written after the booking was read and before this update is seen, and none can come after.
     */
    public enum PaymentRecording {
        NOT_RECORDED, RECORDED, RECORDED_REFUND_SEEN;

        public boolean recorded() {
            return this != NOT_RECORDED;
        }

        /** Recorded on a booking that remembers a refund seen before its payment (V25). */
        public boolean refundSeenBeforePayment() {
            return this == RECORDED_REFUND_SEEN;
        }
    }

    /**
     * Records the payment of a pending booking that still holds its slot: from then on the booking keeps the slot
     * until it is confirmed, with no hold to run out. Recorded also for a repeat of the payment already recorded; not
     * when the hold ran out, the booking is past payment, or another payment was recorded for it.
     */
    public PaymentRecording recordPayment(String id, String provider, String paymentReference, long paidAmount,
                                          Instant now) {
        // (its status reason goes: a failed attempt's, now history)
        return recording(jdbc.sql("UPDATE booking SET provider = :provider, payment_reference = :reference, "
                        + "paid_amount = :paid, hold_expires_at = NULL, status_reason = NULL, updated_at = :now "
                        + "WHERE id = :id AND status = 'PENDING_PAYMENT' AND ("
                        + "(paid_amount IS NULL AND hold_expires_at > :now) "
                        + "OR (paid_amount IS NOT NULL AND payment_reference = :reference))")
                .param("id", id).param("provider", provider).param("reference", paymentReference)
                .param("paid", paidAmount).param("now", utc(now)));
    }

    /**
     * Records the payment of a booking whose hold ran out or whose payment had failed: PENDING_PAYMENT again, paid.
     * The caller has made sure, under the slot lock, that the slot is still free.
     */
    public PaymentRecording reholdPaid(String id, String provider, String paymentReference, long paidAmount,
                                       Instant now) {
        return recording(jdbc.sql("UPDATE booking SET status = 'PENDING_PAYMENT', provider = :provider, "
                        + "payment_reference = :reference, paid_amount = :paid, hold_expires_at = NULL, "
                        + "status_reason = NULL, updated_at = :now "
                        + "WHERE id = :id AND paid_amount IS NULL "
                        + "AND status IN ('EXPIRED', 'PAYMENT_FAILED', 'PENDING_PAYMENT')")
                .param("id", id).param("provider", provider).param("reference", paymentReference)
                .param("paid", paidAmount).param("now", utc(now)));
    }

    /**
     * Runs a payment's recording, the row's refund_seen_at answered by the update itself as JDBC's generated keys of
     * that column (PostgreSQL's driver adds RETURNING, H2 answers the updated row's value): one statement, no read.
     */
    private static PaymentRecording recording(JdbcClient.StatementSpec update) {
        KeyHolder row = new GeneratedKeyHolder();
        if (update.update(row, "refund_seen_at") != 1) {
            return PaymentRecording.NOT_RECORDED;
        }
        boolean marked = row.getKeyList().stream().flatMap(columns -> columns.values().stream())
                .anyMatch(Objects::nonNull);
        return marked ? PaymentRecording.RECORDED_REFUND_SEEN : PaymentRecording.RECORDED;
    }

    /**
     * Records that a change of the booking's event through the hub begins: a reschedule's move, or a cancel's removal,
     * committed before Google is asked (Google then shows the new time, or no event, before the booking does).
     * Answers the change's number, for {@link #eventChangeEnds}, or null when the booking is no longer confirmed or
     * another change of it is under way, begun less than {@code timeout} ago (two moves at once could leave the event
     * at one's time and the booking at the other's; a move and a cancel, a cancelled booking at the move's time).
     */
    public Integer eventChangeBegins(String id, Instant now, Duration timeout) {
        return transactions.execute(status -> {
            int begun = jdbc.sql("UPDATE booking SET move_count = move_count + 1, moving_since = :now WHERE id = :id "
                            + "AND status = 'CONFIRMED' AND (moving_since IS NULL OR moving_since <= :stale)")
                    .param("id", id).param("now", utc(now)).param("stale", utc(now.minus(timeout))).update();
            return begun == 0 ? null : jdbc.sql("SELECT move_count FROM booking WHERE id = :id").param("id", id)
                    .query(Integer.class).single();
        });
    }

    /**
     * {@link #eventChangeBegins} for a booking a re-check read: only while it is still as {@code read} (confirmed, at
     * the time read, its reason as read, no change of its event through the hub begun since, nor one under way),
     * so that a change the re-check makes of its event lands after no other. Answers the change's number, or null.
     */
    public Integer eventChangeBeginsAsRead(ConfirmedBooking read, Instant now, Duration timeout) {
        return transactions.execute(status -> {
            int begun = jdbc.sql("UPDATE booking SET move_count = move_count + 1, moving_since = :now WHERE "
                            + STILL_AS_READ + " AND (moving_since IS NULL OR moving_since <= :stale)")
                    .params(asRead(read)).param("now", utc(now)).param("stale", utc(now.minus(timeout))).update();
            return begun == 0 ? null : read.moves() + 1;
        });
    }

    /**
     * Records that a cancel of the confirmed booking reached the hub at {@code now}, unless an earlier one is recorded
     * (V40), committed before Google is asked to remove its event; answers the earliest ask recorded. The refund's
     * cut-off is judged from it: a cancel that Google failed, asked again after the cut-off, is refunded as first asked.
     */
    public Instant firstCancelAsk(String id, Instant now) {
        return transactions.execute(status -> {
            jdbc.sql("UPDATE booking SET cancel_asked_at = :now WHERE id = :id AND status = 'CONFIRMED' "
                    + "AND cancel_asked_at IS NULL").param("id", id).param("now", utc(now)).update();
            return jdbc.sql("SELECT cancel_asked_at FROM booking WHERE id = :id").param("id", id)
                    .query((rs, row) -> Optional.ofNullable(rs.getObject(1, OffsetDateTime.class))
                            .map(OffsetDateTime::toInstant))
                    .optional().flatMap(asked -> asked).orElse(now);
        });
    }

    /** When a cancel of the booking was first asked while it was confirmed (V40); empty: none recorded. */
    public Optional<Instant> cancelAskedAt(String id) {
        return jdbc.sql("SELECT cancel_asked_at FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> Optional.ofNullable(rs.getObject(1, OffsetDateTime.class))
                        .map(OffsetDateTime::toInstant))
                .optional().flatMap(asked -> asked);
    }

    /** Since when a change of the booking's event through the hub is marked under way; empty: none is. */
    public Optional<Instant> eventChangeSince(String id) {
        return jdbc.sql("SELECT moving_since FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> Optional.ofNullable(rs.getObject(1, OffsetDateTime.class))
                        .map(OffsetDateTime::toInstant))
                .optional().flatMap(since -> since);
    }

    /**
     * The change {@code change} of the confirmed booking's event is still under way and still this one's (no other
     * took it over as a stopped instance's, older than EventChangeTimeout): marked under way from {@code now} again,
     * for one more Google call of it. False when another change has taken it over or the booking is no longer
     * confirmed: the event is that one's to change.
     */
    public boolean eventChangeStillOurs(String id, int change, Instant now) {
        return jdbc.sql("UPDATE booking SET moving_since = :now WHERE id = :id AND move_count = :change "
                        + "AND moving_since IS NOT NULL AND status = 'CONFIRMED'")
                .param("id", id).param("change", change).param("now", utc(now)).update() == 1;
    }

    /** The change {@code change} has committed or been undone: none is under way, unless another began meanwhile. */
    public void eventChangeEnds(String id, int change) {
        jdbc.sql("UPDATE booking SET moving_since = NULL WHERE id = :id AND move_count = :change")
                .param("id", id).param("change", change).update();
    }

    /**
     * A confirmed booking's event a failed cancel left "Cancelled: …" and free (mark-cancelled), whose put-back by the
     * change {@code change} failed (V41): recorded for the sweep booking-retry-event-put-backs while the booking is
     * still confirmed and {@code change} the last change of its event begun; the first failure's time kept.
     */
    public void eventPutBackFailed(String id, int change, Instant now) {
        eventPutBackFailed(id, change, now, null);
    }

    /**
     * {@link #eventPutBackFailed(String, int, Instant)} naming what the put-back undoes (V43): {@link #PUT_BACK_CANCEL}
     * {@link #PUT_BACK_MOVE} or {@link #PUT_BACK_STALE}; null keeps what is recorded.
     */
    public void eventPutBackFailed(String id, int change, Instant now, String from) {
        jdbc.sql("UPDATE booking SET event_put_back_change = :change, "
                        + "event_put_back_since = COALESCE(event_put_back_since, :now), "
                        + "event_put_back_from = COALESCE(:from, event_put_back_from) "
                        + "WHERE id = :id AND status = 'CONFIRMED' AND move_count = :change")
                .param("id", id).param("change", change).param("now", utc(now)).param("from", from).update();
    }

    /** A put-back that undoes a cancel (V43; also a record from before it). */
    public static final String PUT_BACK_CANCEL = "cancel";
    /** A put-back that undoes a move: the event back at the booking's time (V43). */
    public static final String PUT_BACK_MOVE = "move";
    /** A put-back that ends a change its instance left marked under way, cancel or move, which one unknown (V43). */
    public static final String PUT_BACK_STALE = "stale";

    /**
     * Clears the failed put-back recorded (V41) by change {@code upTo} or an earlier one: put back since, or no longer
     * the hub's to put back. One recorded by a later change (a cancel that failed since) is kept.
     */
    public void eventPutBackDone(String id, int upTo) {
        jdbc.sql("UPDATE booking SET event_put_back_change = NULL, event_put_back_since = NULL, "
                        + "event_put_back_from = NULL "
                        + "WHERE id = :id AND event_put_back_change <= :upTo")
                .param("id", id).param("upTo", upTo).update();
    }

    /**
     * A booking whose failed put-back is recorded (V41): as a re-check reads it, with the change that failed and since
     * when put-backs fail, and what the put-back undoes ({@link #PUT_BACK_CANCEL}, {@link #PUT_BACK_MOVE},
     * {@link #PUT_BACK_STALE}; V43); not {@code recorded}: a stale change marker, no put-back tried yet.
     */
    public record PendingPutBack(ConfirmedBooking read, int change, Instant since, String from, boolean recorded) {

        /** Whether it undoes a move that failed (the event left at another time), not a cancel. */
        public boolean ofMove() {
            return PUT_BACK_MOVE.equals(from);
        }

        /** Whether it ends a change left under way by a stopped instance, no put-back recorded yet. */
        public boolean ofStaleChange() {
            return PUT_BACK_STALE.equals(from);
        }
    }

    /** Up to {@code limit} bookings with a failed put-back recorded, whatever their state now, longest failing first. */
    public List<PendingPutBack> eventPutBacksPending(int limit) {
        return eventPutBacksPending(limit, null, null);
    }

    /**
     * {@link #eventPutBacksPending(int)}, and confirmed bookings not yet over at {@code now} whose change of their
     * event through the hub was marked under way at or before {@code staleBefore} (its instance stopped between Google's
     * answer and its commit: nothing else ends it), as pending put-backs of {@link #PUT_BACK_STALE} since then, the
     * change the marker's. Null {@code staleBefore}: recorded ones only.
     */
    public List<PendingPutBack> eventPutBacksPending(int limit, Instant now, Instant staleBefore) {
        String stale = staleBefore == null ? ""
                : " OR (status = 'CONFIRMED' AND moving_since <= :stale AND end_at > :now)";
        var query = jdbc.sql("SELECT * FROM booking WHERE event_put_back_change IS NOT NULL" + stale
                        + " ORDER BY COALESCE(event_put_back_since, moving_since), id LIMIT :limit")
                .param("limit", limit);
        if (staleBefore != null) {
            query = query.param("stale", utc(staleBefore)).param("now", utc(now));
        }
        return query.query((rs, row) -> rs.getObject("event_put_back_change") == null
                        ? new PendingPutBack(confirmedBooking(rs, row), rs.getInt("move_count"),
                                instant(rs, "moving_since"), PUT_BACK_STALE, false)
                        : new PendingPutBack(confirmedBooking(rs, row), rs.getInt("event_put_back_change"),
                                instant(rs, "event_put_back_since"), rs.getString("event_put_back_from"), true))
                .list();
    }

    private ConfirmedBooking confirmedBooking(ResultSet rs, int row) throws SQLException {
        return new ConfirmedBooking(map(rs, row), rs.getInt("move_count"),
                rs.getObject("moving_since", OffsetDateTime.class) == null ? null : instant(rs, "moving_since"));
    }

    /** Moves a booking that is still confirmed; false when it is not (cancelled while its event was being moved). */
    public boolean reschedule(String id, Instant start, Instant end, Instant now) {
        // a cancel asked before (Google failed it) was asked of the old start: its cut-off no longer counts
        return jdbc.sql("UPDATE booking SET start_at = :start, end_at = :end, updated_at = :now, "
                        + "cancel_asked_at = NULL WHERE id = :id AND status = 'CONFIRMED'")
                .param("id", id).param("start", utc(start)).param("end", utc(end)).param("now", utc(now))
                .update() == 1;
    }

    /**
     * Confirmed bookings with a calendar event that end after {@code now}, with the moves of their events through the
     * hub: a page, in order of start (then id), of those after {@code after} (the last of the page before, as read;
     * null: the first page). A page's bookings lie next to each other in time, so the events a re-check lists for a
     * page span a short time; by id (random UUIDs) each page's spanned nearly every upcoming booking's.
     */
    public List<ConfirmedBooking> confirmedWithEventEndingAfter(Instant now, Booking after, int limit) {
        return jdbc.sql("SELECT * FROM booking WHERE status = 'CONFIRMED' AND end_at > :now "
                        + "AND calendar_event_id IS NOT NULL"
                        + (after == null ? ""
                        : " AND (start_at > :afterStart OR (start_at = :afterStart AND id > :after))")
                        + " ORDER BY start_at, id LIMIT :limit")
                .param("now", utc(now)).param("limit", limit)
                .param("afterStart", after == null ? null : utc(after.range().start()))
                .param("after", after == null ? null : after.id())
                .query(this::confirmedBooking)
                .list();
    }

    /**
     * Moves a confirmed booking still as {@code read} (its time, its status reason, and no change of its event through
     * the hub begun since) to {@code to}, with {@code reason}; false when it changed meanwhile.
     */
    public boolean moveConfirmed(ConfirmedBooking read, TimeRange to, String reason, Instant now) {
        // as a reschedule: a cancel asked before (Google failed it) was asked of the old start; before, kept, and a
        // late cancel after the event was dragged later in Google was refunded as if asked in time
        return jdbc.sql("UPDATE booking SET start_at = :start, end_at = :end, status_reason = :reason, "
                        + "updated_at = :now, cancel_asked_at = NULL WHERE " + STILL_AS_READ)
                .params(asRead(read)).param("start", utc(to.start())).param("end", utc(to.end()))
                .param("reason", reason).param("now", utc(now)).update() == 1;
    }

    /**
     * Sets the status reason of a booking that is still confirmed and still as {@code read}; false when it is not
     * (cancelled, moved, a move or cancel of its event through the hub begun, or another reason written meanwhile,
     * which a re-check would otherwise drop).
     */
    public boolean reasonOfConfirmed(ConfirmedBooking read, String reason, Instant now) {
        return jdbc.sql("UPDATE booking SET status_reason = :reason, updated_at = :now WHERE " + STILL_AS_READ)
                .params(asRead(read)).param("reason", reason).param("now", utc(now)).update() == 1;
    }

    private static Map<String, Object> asRead(ConfirmedBooking read) {
        Booking booking = read.booking();
        return Map.of("id", booking.id(), "fromStart", utc(booking.range().start()),
                "fromEnd", utc(booking.range().end()), "moves", read.moves(),
                "fromReason", booking.statusReason() == null ? "" : booking.statusReason());
    }

    public void insert(Booking b, Instant now) {
        jdbc.sql("""
                INSERT INTO booking (id, status, start_at, end_at, duration_minutes, amount, currency,
                    customer_name, customer_email, customer_phone, customer_locale, customer_time_zone, summary,
                    description, provider,
                    payment_url, calendar_event_id, hold_expires_at, created_at, updated_at)
                VALUES (:id, :status, :start, :end, :duration, :amount, :currency, :name, :email, :phone, :locale, :zone,
                    :summary, :description, :provider, :paymentUrl, :eventId, :holdExpiresAt, :now, :now)
                """)
                .param("id", b.id()).param("status", b.status().name())
                .param("start", utc(b.start().toInstant())).param("end", utc(b.end().toInstant()))
                .param("duration", b.durationMinutes()).param("amount", b.amount()).param("currency", b.currency())
                .param("name", b.customer().name()).param("email", b.customer().email())
                .param("phone", b.customer().phone()).param("locale", b.customer().locale())
                .param("zone", b.customer().timeZone())
                .param("summary", b.summary()).param("description", b.description())
                .param("provider", b.provider()).param("paymentUrl", b.paymentUrl())
                .param("eventId", b.calendarEventId())
                .param("holdExpiresAt", b.holdExpiresAt() == null ? null : utc(b.holdExpiresAt()))
                .param("now", utc(now))
                .update();
    }

    /** Records the provider's id of the refund the hub made of the booking's payment (as the provider answered it). */
    public void refundMade(String id, String refundReference) {
        jdbc.sql("UPDATE booking SET refund_reference = :refund WHERE id = :id")
                .param("id", id).param("refund", refundReference).update();
    }

    /**
     * Records that the hub sends the booking's payment a refund carrying its mark (V23 refund_marked), as it sends it
     * (route payment-refund): an answer lost on the way then leaves it set. Bookings made from V23 on have it already.
     */
    public void refundSentMarked(Booking booking) {
        jdbc.sql("UPDATE booking SET refund_marked = TRUE WHERE id = :id AND refund_marked IS NOT TRUE")
                .param("id", booking.id()).update();
    }

    /**
     * Whether the refunds the hub made of the booking's payment carry its mark (V23): false for a booking made before
     * the hub marked its refunds and sent none since, whose refund may carry no mark.
     */
    public boolean refundMarked(String id) {
        return jdbc.sql("SELECT refund_marked FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> rs.getBoolean("refund_marked")).optional().orElse(false);
    }

    /**
     * Records that a refund the hub asked for of the booking's payment failed without a definite answer (V30
     * refund_answer_lost_at: the provider may have made it); the earliest such attempt is kept. Its own statement,
     * committed outside the failed attempt's transaction, which rolled back.
     */
    public void refundAnswerLost(String id, Instant at) {
        jdbc.sql("UPDATE booking SET refund_answer_lost_at = :at WHERE id = :id AND refund_answer_lost_at IS NULL")
                .param("id", id).param("at", utc(at)).update();
    }

    /**
     * Whether a refund the hub asked for of the booking's payment may have been made although its answer was lost
     * ({@link #refundAnswerLost}); false when every attempt was refused or never sent.
     */
    public boolean refundAnswerLost(String id) {
        return jdbc.sql("SELECT refund_answer_lost_at FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> rs.getObject("refund_answer_lost_at") != null).optional().orElse(false);
    }

    /**
     * How the refunds through the hub's refund endpoint of the booking's payment were classed when first seen (V42):
     * by refund id, true for outside the hub, false for the hub's own; none classed yet, empty.
     */
    public Map<String, Boolean> apiRefundClasses(String id) {
        Map<String, Boolean> classes = new java.util.HashMap<>();
        jdbc.sql("SELECT refund_id, outside FROM booking_api_refund WHERE booking_id = :id").param("id", id)
                .query(rs -> {
                    classes.put(rs.getString("refund_id"), rs.getBoolean("outside"));
                });
        return classes;
    }

    /**
     * Records how a refund through the hub's refund endpoint of the booking's payment is classed (V42), once: under the
     * booking's row lock (the caller's), in the caller's transaction, so a failure records no class.
     */
    public void apiRefundClassed(String id, String refund, boolean outside, Instant now) {
        jdbc.sql("INSERT INTO booking_api_refund (refund_id, booking_id, outside, seen_at) "
                        + "VALUES (:refund, :id, :outside, :now)")
                .param("refund", refund).param("id", id).param("outside", outside).param("now", utc(now)).update();
    }

    /** The provider's id of the refund the hub made of the booking's payment; empty when it knows none. */
    public Optional<String> refundReference(String id) {
        return jdbc.sql("SELECT refund_reference FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> Optional.ofNullable(rs.getString("refund_reference"))).optional()
                .flatMap(reference -> reference);
    }

    /**
     * What the refunds made outside the hub refunded of the booking's payment when its charge.refunded was last
     * handled (V24); empty when none was seen.
     */
    public Optional<Long> refundedOutsideAmount(String id) {
        return jdbc.sql("SELECT refunded_outside_amount FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> Optional.ofNullable(rs.getObject("refunded_outside_amount", Long.class)))
                .optional().flatMap(amount -> amount);
    }

    /**
     * Records what the refunds made outside the hub refunded of the booking's payment (V24), in the caller's
     * transaction.
     */
    public void refundedOutside(String id, long amount) {
        jdbc.sql("UPDATE booking SET refunded_outside_amount = :amount WHERE id = :id")
                .param("id", id).param("amount", amount).update();
    }

    /**
     * Records that {@code payment} was seen refunded before it was recorded on the booking (V25), while the booking is
     * still unpaid and in one of {@code payable}; a later one's replaces it (the payment is kept for the log and ops
     * only: the mark is the booking's, read with its row, {@link Booking#refundSeenBeforePayment}, or by the update
     * that records a payment on it, {@link PaymentRecording}). False when it is not (paid meanwhile, say).
     */
    public boolean refundSeenBeforePayment(String id, String payment, List<BookingStatus> payable, Instant now) {
        return jdbc.sql("UPDATE booking SET refund_seen_payment = :payment, refund_seen_at = :now "
                        + "WHERE id = :id AND paid_amount IS NULL AND status IN (:payable)")
                .param("id", id).param("payment", payment).param("now", utc(now))
                .param("payable", payable.stream().map(BookingStatus::name).toList()).update() == 1;
    }

    /**
     * Clears the mark of {@link #refundSeenBeforePayment(String, String, List, Instant)}: acted on, or nothing left for
     * it to act on.
     */
    public void refundSeenActedOn(String id) {
        jdbc.sql("UPDATE booking SET refund_seen_payment = NULL, refund_seen_at = NULL "
                + "WHERE id = :id AND refund_seen_at IS NOT NULL").param("id", id).update();
    }

    /**
     * Records that Stripe's {@code payment} was disputed before it was recorded on the booking, whatever becomes of it:
     * its own events, handled later, then never refund it ({@link #disputeSeenBeforePayment(Booking, String)}). Every
     * such payment of the booking is kept (V33; before, V29's one column kept the latest, and a second payment's mark
     * went when a third was disputed first). V29's column is set to it too, after its row: it tells a reader that the
     * booking has such rows (read with the booking's row, {@link Booking#disputeSeenPayment}, so that a payment's
     * confirmation asks for them only then), and an older instance during a rolling upgrade reads only it. An insert
     * that checks first (a repeat adds nothing), not one that fails on the key: in PostgreSQL a failed statement would
     * abort the caller's transaction. The check and the insert run under the booking's row lock (the caller's
     * transaction's, or one of their own): two runs at once (two deliveries of a dispute) otherwise both found no row,
     * and the second's insert, waiting on the first's key, then failed on it. updated_at is left as it is (the refund
     * retries read it).
     */
    public void disputeSeenBeforePayment(String id, String payment) {
        withBookingLock(id, () -> {
            jdbc.sql("INSERT INTO booking_dispute_seen (booking_id, payment) SELECT :id, :payment FROM (VALUES (1)) "
                            + "AS one WHERE NOT EXISTS (SELECT 1 FROM booking_dispute_seen WHERE booking_id = :id "
                            + "AND payment = :payment)")
                    .param("id", id).param("payment", payment).update();
            jdbc.sql("UPDATE booking SET dispute_seen_payment = :payment WHERE id = :id")
                    .param("id", id).param("payment", payment).update();
        });
    }

    /**
     * Whether Stripe's {@code payment} was disputed before it was recorded on {@code booking} (as read):
     * {@link #disputeSeenBeforePayment(String, String)}'s rows, or V29's column alone as an instance of the older
     * version wrote it (a rolling upgrade). No query for a booking with no such mark, as nearly all.
     */
    public boolean disputeSeenBeforePayment(Booking booking, String payment) {
        if (booking.disputeSeenPayment() == null || payment == null) {
            return false;
        }
        return payment.equals(booking.disputeSeenPayment()) || jdbc.sql("SELECT COUNT(*) FROM booking_dispute_seen "
                        + "WHERE booking_id = :id AND payment = :payment")
                .param("id", booking.id()).param("payment", payment).query(Integer.class).single() > 0;
    }

    /**
     * Records that the hub refunded {@code payment} of booking {@code id} itself, as it paid for nothing of it (V37):
     * kept as long as the booking, unlike the payment's idempotency key, which the retention sweep deletes, so a
     * dispute of it weeks later still knows the hub paid it back. Checked, then inserted, under the booking's row
     * lock, as {@link #disputeSeenBeforePayment(String, String)}: a repeat adds nothing.
     */
    public void refundedByTheHub(String id, String provider, String payment, Instant now) {
        withBookingLock(id, () -> jdbc.sql("INSERT INTO booking_payment_refunded (booking_id, provider, payment, "
                        + "refunded_at) SELECT :id, :provider, :payment, :now FROM (VALUES (1)) AS one "
                        + "WHERE NOT EXISTS (SELECT 1 FROM booking_payment_refunded WHERE booking_id = :id "
                        + "AND provider = :provider AND payment = :payment)")
                .param("id", id).param("provider", provider).param("payment", payment).param("now", utc(now))
                .update());
    }

    /** Whether the hub refunded {@code payment} of booking {@code id} itself ({@link #refundedByTheHub}). */
    public boolean refundedByTheHub(String id, String provider, String payment) {
        return jdbc.sql("SELECT COUNT(*) FROM booking_payment_refunded WHERE booking_id = :id AND provider = :provider "
                        + "AND payment = :payment")
                .param("id", id).param("provider", provider).param("payment", payment).query(Integer.class)
                .single() > 0;
    }

    /**
     * The state of the dispute of the payment that paid the booking (V19); empty when none is known (or no booking).
     */
    public Optional<DisputeStatus> disputeStatus(String id) {
        return jdbc.sql("SELECT dispute_status FROM booking WHERE id = :id").param("id", id)
                .query((rs, row) -> Optional.ofNullable(DisputeStatus.ofColumn(rs.getString("dispute_status"))))
                .optional().flatMap(status -> status);
    }

    /**
     * Records the state of a dispute of {@code paymentReference} on the booking that payment paid, whatever its
     * status; false for a booking it did not pay (another payment's, or none recorded). A dispute opened is recorded
     * over none, or over an inquiry closed without one (it may be followed by a dispute), never over a decided one
     * (an opening event delivered after its outcome's); an outcome is recorded over any state.
     */
    public boolean disputeIs(String id, String paymentReference, DisputeStatus status, Instant now) {
        return jdbc.sql("UPDATE booking SET dispute_status = :status, dispute_status_at = :now WHERE id = :id "
                        + "AND payment_reference = :reference AND paid_amount IS NOT NULL"
                        + (status == DisputeStatus.OPEN
                        ? " AND (dispute_status IS NULL OR dispute_status = 'warning_closed')" : ""))
                .param("id", id).param("reference", paymentReference).param("status", status.column())
                .param("now", utc(now)).update() == 1;
    }

    /**
     * Whether any booking of {@code provider} in one of {@code payable} has no payment recorded: one a payment of that
     * provider could still be for. One row at most is read, through booking_refund_awaiting_idx (its leading
     * status and provider; paid_amount is checked on the rows they select).
     */
    public boolean anyAwaitingPayment(String provider, List<BookingStatus> payable) {
        return jdbc.sql("SELECT id FROM booking WHERE status IN (:payable) AND provider = :provider "
                        + "AND paid_amount IS NULL LIMIT 1")
                .param("payable", payable.stream().map(BookingStatus::name).toList()).param("provider", provider)
                .query(String.class).optional().isPresent();
    }

    /**
     * The booking a provider's payment was recorded on (a Payrexx transaction id, a Stripe Payment Intent). Only a
     * booking with a payment recorded: until then its payment reference is its payment page's (a Payrexx gateway id,
     * a Stripe Checkout Session), and Payrexx numbers gateways and transactions alike, so a booking left unpaid with
     * gateway 4711 was taken for the one transaction 4711 paid (or both were found, and the event failed).
     */
    public Optional<String> idByPayment(String provider, String paymentReference) {
        return jdbc.sql("SELECT id FROM booking WHERE payment_reference = :reference AND provider = :provider "
                        + "AND paid_amount IS NOT NULL")
                .param("reference", paymentReference).param("provider", provider).query(String.class).optional();
    }

    public Optional<Booking> find(String id) {
        return jdbc.sql("SELECT * FROM booking WHERE id = :id").param("id", id).query(this::map).optional();
    }

    /**
     * The booking as stored, its row locked until the caller's transaction ends: what a step decides on cannot change
     * before its update commits (another move or a cancel of it waits).
     */
    public Optional<Booking> findLocked(String id) {
        return jdbc.sql("SELECT * FROM booking WHERE id = :id FOR UPDATE").param("id", id).query(this::map).optional();
    }

    /**
     * The booking a provider's event names, its id written as a UUID in any case, blanks around it ignored (a
     * reference a caller of the payments API padded); empty when it names none, or something that is no booking id
     * of this hub (logged). Its {@code id()} is the id as stored, for every update.
     */
    public Optional<Booking> findNamed(String bookingId) {
        if (bookingId == null || bookingId.isBlank()) {
            return Optional.empty();
        }
        String id = BookingIds.ofEvent(bookingId);
        if (id == null) {
            log.warn("A payment event names no booking of this hub");
            return Optional.empty();
        }
        return find(id);
    }

    /**
     * Bookings starting in [from, to), optionally of one status, ordered by start, then id. {@code after} (null: none),
     * the id of the previous page's last booking, whose start is {@code from}: those starting at {@code from} are
     * listed only after it, a (start, id) cursor, so that a page of bookings all at one start is followed by the rest.
     */
    public List<Booking> list(Instant from, Instant to, BookingStatus status, String after, int limit) {
        return jdbc.sql("SELECT * FROM booking WHERE start_at >= :from AND start_at < :to"
                        + (after == null ? "" : " AND (start_at > :from OR id > :after)")
                        + (status == null ? "" : " AND status = :status") + " ORDER BY start_at, id LIMIT :limit")
                .param("from", utc(from)).param("to", utc(to)).param("after", after)
                .param("status", status == null ? null : status.name()).param("limit", limit)
                .query(this::map).list();
    }

    /**
     * EXPIRED: the pending bookings whose hold ran out with no payment recorded, each by an update that checks it
     * again (a payment recorded meanwhile keeps its booking); answers those it expired, whose payment pages are then
     * closed. A booking whose row another transaction holds past the lock timeout (a saga step changing it) is passed
     * over for the next sweep: failing the sweep there left the pages of those expired before it open. Each update
     * commits on its own (no transaction around them), so one given up undoes none of the others.
     */
    public List<Booking> expireHolds(Instant now) {
        return expireHolds(now, () -> true);
    }

    /**
     * {@link #expireHolds(Instant)}, asking {@code goOn} before each booking: once it answers false (the sweep's
     * instance no longer leads), the bookings left are the next sweep's.
     */
    public List<Booking> expireHolds(Instant now, BooleanSupplier goOn) {
        String due = "status = 'PENDING_PAYMENT' AND hold_expires_at <= :now AND paid_amount IS NULL";
        List<Booking> expired = new ArrayList<>();
        for (Booking booking : jdbc.sql("SELECT * FROM booking WHERE " + due).param("now", utc(now))
                .query(this::map).list()) {
            if (!goOn.getAsBoolean()) {
                break;
            }
            // one sweep for many bookings: each one's lines name it
            try (var named = BookingMdc.naming(booking.id())) {
                if (expireUnlessHeld(booking.id(), due, now)) {
                    expired.add(booking);
                }
            }
        }
        return expired;
    }

    private boolean expireUnlessHeld(String id, String due, Instant now) {
        return DatabaseBusy.unlessHeld(() -> jdbc.sql("UPDATE booking SET status = 'EXPIRED', updated_at = :now "
                        + "WHERE id = :id AND " + due).param("id", id).param("now", utc(now)).update() == 1,
                () -> log.info("Booking {}: its row is held by another change; its hold is looked at again by the next "
                        + "sweep", id)).orElse(false);
    }

    private Booking map(ResultSet rs, int row) throws SQLException {
        Instant hold = rs.getObject("hold_expires_at", OffsetDateTime.class) == null ? null
                : instant(rs, "hold_expires_at");
        return new Booking(rs.getString("id"), BookingStatus.valueOf(rs.getString("status")),
                instant(rs, "start_at").atZone(zone).toOffsetDateTime(),
                instant(rs, "end_at").atZone(zone).toOffsetDateTime(),
                rs.getInt("duration_minutes"), rs.getLong("amount"), rs.getString("currency"),
                new Customer(rs.getString("customer_name"), rs.getString("customer_email"),
                        rs.getString("customer_phone"), rs.getString("customer_locale"),
                        rs.getString("customer_time_zone")),
                rs.getString("summary"), rs.getString("description"), rs.getString("provider"),
                rs.getString("payment_url"), rs.getString("calendar_event_id"), hold,
                instant(rs, "created_at"), rs.getString("payment_reference"), rs.getString("status_reason"),
                rs.getObject("paid_amount", Long.class), rs.getObject("refund_seen_at") != null,
                rs.getString("dispute_seen_payment"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column, OffsetDateTime.class).toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
