package io.connectify.hub.notification;

import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.resilience.LostAnswerMark;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The notification table: queued -> sent (provider reference) -> delivered / failed / undelivered, from Twilio's
 * status callbacks; or queued -> skipped, its booking having moved on before it could be sent. Failures are counted
 * ({@code connectify_notifications_failed_total}, by {@code status} and {@code reason}: a refusal's problem type, or
 * {@value #DELIVERY} for a failed delivery) and listed on the booking.
 */
@Component("notificationLog")
public class NotificationLog {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationLog.class);

    /**
     * The failed counter's {@code reason} of an SMS Twilio took and could not deliver (status failed or undelivered);
     * a refusal's is its problem type, {@code invalid-recipient} (the customer's number) or {@code validation} (the
     * message: maybe the hub's own setting, what NotificationsRefused alerts on).
     */
    public static final String DELIVERY = "delivery";

    /** Statuses after which a later callback never moves a notification back. */
    private static final Set<String> FINAL = Set.of("delivered", "failed", "undelivered", "canceled");
    /** The kinds of notification that a later state of their booking can make untrue (BookingSaga's kinds). */
    private static final String CONFIRMATION = "confirmation";
    private static final String PAYMENT_FAILED = "payment-failed";
    private static final String REFUND = "refund";
    /** A payment refunded for a booking never confirmed: as a refund notice, untrue once the booking is not REFUNDED. */
    private static final String PAYMENT_REFUNDED = "payment-refunded";
    private static final String RESCHEDULED = "rescheduled";
    /**
     * A cancellation whose refund is still to make: untrue once the booking is not CANCELLED (refunded since), or is
     * but no longer waits for its refund (BookingSaga.REFUND_PENDING).
     */
    private static final String CANCELLATION_REFUND_PENDING = "cancellation-refund-pending";
    /** The error code (and failed metric's status) of a notification its provider's lost answers left unsent. */
    public static final String ANSWER_LOST = "answer-lost";
    /** A notification logged as queued that no provider has accepted yet. */
    private static final String UNSENT = "status = 'queued' AND provider_reference IS NULL";
    /** The columns of a notification as logged ({@link Logged}). */
    private static final String LOGGED = "id, booking_id, kind, occasion, booking_start, channel, recipient, created_at";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final MeterRegistry meters;

    public NotificationLog(JdbcClient jdbc, Clock clock, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * Whether a notification would now tell its customer something no longer true: a confirmation or a move's notice
     * of a booking since cancelled, refunded or moved (again), a "payment failed" of one since paid, a refund notice
     * of a refund that failed after it was made, a "refund under way" of a cancellation since refunded or no longer
     * waiting for its refund (settled by hand, stopped by a dispute, given up by the retry sweep) (a message
     * held up by a provider outage and replayed after the booking moved on, which then arrived after the news that
     * superseded it).
     */
    public boolean outdated(Notification n) {
        return outdated(n.bookingId(), n.kind(), n.start() == null ? null : Instant.parse(n.start()), false);
    }

    /**
     * {@link #outdated}, for a notification the recovery sweep cannot queue again as itself because it was logged
     * before V18 without the start it told of and a move of its booking was logged since
     * ({@link NotificationPlanner#asLogged}): that start taken as changed, so a confirmation or a move's notice is
     * outdated as the sender would judge it with its start known (the later move's own notice told the new time). A
     * booking gone: false.
     */
    public boolean outdatedSinceMoved(Logged n) {
        return outdated(n.bookingId(), n.kind(), null, true);
    }

    /** {@code told}: the start the notification told of (null: not known); {@code moved}: known to differ. */
    private boolean outdated(String bookingId, String kind, Instant told, boolean moved) {
        if (bookingId == null || !(CONFIRMATION.equals(kind) || PAYMENT_FAILED.equals(kind) || REFUND.equals(kind)
                || PAYMENT_REFUNDED.equals(kind) || RESCHEDULED.equals(kind)
                || CANCELLATION_REFUND_PENDING.equals(kind))) {
            return false;
        }
        return jdbc.sql("SELECT status, status_reason, paid_amount, start_at FROM booking WHERE id = :id")
                .param("id", bookingId)
                .query((rs, row) -> {
                    String status = rs.getString("status");
                    boolean paid = rs.getObject("paid_amount") != null;
                    return switch (kind) {
                        case CONFIRMATION, RESCHEDULED -> !"CONFIRMED".equals(status) || moved || told != null
                                && !told.equals(rs.getObject("start_at", OffsetDateTime.class).toInstant());
                        case REFUND, PAYMENT_REFUNDED -> !"REFUNDED".equals(status);
                        // its refund no longer pending (settled by hand, stopped by a dispute, given up by the
                        // sweep): "we are refunding and will tell you" would promise a notice that never comes
                        case CANCELLATION_REFUND_PENDING -> !"CANCELLED".equals(status)
                                || !BookingSaga.REFUND_PENDING.contains(rs.getString("status_reason"));
                        default -> paid || "CONFIRMED".equals(status);
                    };
                }).optional().orElse(false);
    }

    /**
     * A notification not sent because its booking moved on ({@link #outdated}): skipped (error code superseded),
     * never sent or queued again.
     */
    public void skipped(Notification n) {
        skipped(n.id());
    }

    private void skipped(String id) {
        jdbc.sql("UPDATE notification SET status = 'skipped', error_code = 'superseded', updated_at = :now "
                        + "WHERE id = :id")
                .param("id", id).param("now", now()).update();
        // never sent now: the starts of sends that ended without an outcome no longer tell anything
        jdbc.sql("DELETE FROM notification_send_start WHERE notification_id = :id").param("id", id).update();
    }

    /**
     * Of these notifications (ids) that the recovery sweep could not queue again as themselves, those the sender
     * would skip all the same ({@link #outdatedSinceMoved}: a confirmation or a move's notice of a booking moved since)
     * are recorded skipped (superseded), as the sender records them, under their row locks (waiting at most the lock
     * timeout); answers the others, still unsent. Sent by hand, a superseded one would tell the customer the old time.
     * Call in a transaction.
     */
    public List<String> skippedUnlessStillTrue(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<Logged> rows = jdbc.sql("SELECT " + LOGGED + " FROM notification WHERE id IN (:ids) AND " + UNSENT
                        + " ORDER BY id FOR UPDATE")
                .param("ids", ids).query(NotificationLog::logged).list();
        List<String> superseded = rows.stream().filter(this::outdatedSinceMoved).map(Logged::id).toList();
        superseded.forEach(this::skipped);
        return ids.stream().filter(id -> !superseded.contains(id)).toList();
    }

    public void queued(Notification n) {
        jdbc.sql("INSERT INTO notification (id, booking_id, kind, occasion, booking_start, channel, recipient, status, "
                        + "created_at, updated_at) VALUES (:id, :booking, :kind, :occasion, :start, :channel, :to, "
                        + "'queued', :now, :now)")
                .param("id", n.id()).param("booking", n.bookingId()).param("kind", n.kind())
                .param("occasion", n.occasion()).param("start", startOf(n), Types.TIMESTAMP_WITH_TIMEZONE)
                .param("channel", n.channel().name()).param("to", n.to()).param("now", now()).update();
    }

    /**
     * Logs a booking's notification as queued unless it is logged already (its id is derived from what it is), and
     * answers whether it still waits to be sent. An insert that checks first, rather than one that fails on the
     * duplicate key: in PostgreSQL a failed statement would abort the caller's transaction. Two inserts of one id at
     * the same moment still meet the key: the one that fails is retried, as its transaction's work.
     */
    public boolean queuedUnlessSent(Notification n) {
        jdbc.sql("INSERT INTO notification (id, booking_id, kind, occasion, booking_start, channel, recipient, status, "
                        + "created_at, updated_at) SELECT :id, :booking, :kind, :occasion, :start, :channel, :to, "
                        + "'queued', :now, :now FROM (VALUES (1)) AS one "
                        + "WHERE NOT EXISTS (SELECT 1 FROM notification WHERE id = :id)")
                .param("id", n.id()).param("booking", n.bookingId()).param("kind", n.kind())
                .param("occasion", n.occasion()).param("start", startOf(n), Types.TIMESTAMP_WITH_TIMEZONE)
                .param("channel", n.channel().name()).param("to", n.to()).param("now", now()).update();
        return unsent(n);
    }

    /**
     * Whether a notification is logged and still waits to be sent. What a re-queue asks ({@link NotificationPlanner}):
     * it queues again the notifications logged, never a new one.
     */
    public boolean unsent(Notification n) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE id = :id AND " + UNSENT)
                .param("id", n.id()).query(Integer.class).single() > 0;
    }

    /**
     * Takes the row lock of a queued notification and answers whether it is logged and still needs sending. A
     * message whose row is missing outlived the transaction that logged it, which rolled back: its booking's change
     * did not happen, and is not told (that change, made by a redelivery or a replay, logs and queues its own). Such
     * messages reach the queue from a queue consumer's route: they go on the consumer's session, which commits with
     * the event's dead letter after the step's database transaction rolled back. Every message is committed to the
     * broker only after the transaction that logged its row (BookingSaga), so a missing row is never one not yet
     * committed. It used to be logged here and sent: a customer was told of a refund failed that the hub still held
     * as made. Call in a transaction.
     */
    public boolean lockUnsent(Notification n) {
        Optional<Boolean> unsent = jdbc.sql("SELECT provider_reference, status FROM notification WHERE id = :id "
                        + "FOR UPDATE")
                .param("id", n.id())
                .query((rs, i) -> rs.getString(1) == null && "queued".equals(rs.getString(2))).optional();
        if (unsent.isEmpty()) {
            LOG.warn("Notification {} ({} of booking {}, {}) is not logged: the change that queued it rolled back; not "
                    + "sent", n.id(), n.kind(), n.bookingId(), n.channel());
        }
        return unsent.orElse(false);
    }

    /**
     * A notification the provider refused for good (Twilio's 21211, a 4xx): failed, with the refusal's problem type
     * as its error, counted; never sent again, nor queued again by a repeat or the recovery sweep.
     */
    public void refused(Notification n, String reason) {
        jdbc.sql("UPDATE notification SET status = 'failed', error_code = :reason, updated_at = :now WHERE id = :id")
                .param("id", n.id()).param("reason", reason).param("now", now()).update();
        meters.counter("connectify.notifications.failed", "channel", n.channel().name(), "status", "refused",
                "reason", reason).increment();
    }

    public void sent(@Body SentNotification sent) {
        jdbc.sql("UPDATE notification SET provider_reference = :ref, status = :status, updated_at = :now WHERE id = :id")
                .param("id", sent.id()).param("ref", sent.providerReference()).param("status", sent.status())
                .param("now", now()).update();
        if ("failed".equals(sent.status()) || "undelivered".equals(sent.status())) {
            // a lost answer's message found already failed (TwilioMessageLookup): no callback will count it, its
            // status being final already
            meters.counter("connectify.notifications.failed", "channel", sent.channel(), "status", sent.status(),
                    "reason", DELIVERY).increment();
        }
        applyParkedCallbacks(sent.providerReference());
    }

    /** Which of these provider references a notification has recorded (SMS the hub already knows it sent). */
    public Set<String> recorded(java.util.Collection<String> providerReferences) {
        return Set.copyOf(jdbc.sql("SELECT DISTINCT provider_reference FROM notification "
                        + "WHERE provider_reference IN (:refs)")
                .param("refs", List.copyOf(providerReferences)).query(String.class).list());
    }

    /** The booking of the notification Twilio sent as {@code sid}, or null (none, or not known yet). */
    public String bookingOfSid(@Header("MessageSid") String sid) {
        return jdbc.sql("SELECT booking_id FROM notification WHERE provider_reference = :sid")
                .param("sid", sid).query(String.class).list().stream().filter(java.util.Objects::nonNull).findFirst()
                .orElse(null);
    }

    /** A Twilio status callback: recorded unless the notification already reached a final status. */
    public void status(@Header("MessageSid") String sid, @Header("MessageStatus") String status,
                       @Header("ErrorCode") String errorCode) {
        int updated = record(sid, status, errorCode);
        boolean known = updated > 0 || knows(sid);
        if (updated == 0 && known) {
            // the SID committed between the UPDATE and the look (notification-send's sent() then found nothing
            // parked): recorded now, else the callback was lost with its key kept; a final status stays as it is
            updated = record(sid, status, errorCode);
        }
        if (updated > 0 && (status.equals("failed") || status.equals("undelivered"))) {
            meters.counter("connectify.notifications.failed", "channel", "SMS", "status", status, "reason", DELIVERY)
                    .increment();
            // under its booking (MDC, twilio-status-process): before, a failed SMS logged nothing
            LOG.warn("SMS {} {} at Twilio (error code {})", sid, status, errorCode == null ? "none" : errorCode);
        }
        if (!known) {
            // Twilio was faster than the hub's record of the SID: keep the callback until the SID is known
            try {
                jdbc.sql("INSERT INTO notification_callback (provider_reference, status, error_code, received_at) "
                                + "VALUES (:sid, :status, :error, :now)")
                        .param("sid", sid).param("status", status).param("error", errorCode).param("now", now())
                        .update();
            } catch (org.springframework.dao.DuplicateKeyException alreadyParked) {
                return;
            }
            applyParkedCallbacks(sid); // the SID may have been recorded meanwhile
        }
    }

    /** The status on the notification of that SID, unless it has a final one: the rows changed. */
    private int record(String sid, String status, String errorCode) {
        return jdbc.sql("UPDATE notification SET status = :status, error_code = :error, updated_at = :now "
                        + "WHERE provider_reference = :sid AND status NOT IN (:final)")
                .param("sid", sid).param("status", status).param("error", errorCode).param("now", now())
                .param("final", List.copyOf(FINAL)).update();
    }

    private boolean knows(String sid) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE provider_reference = :sid")
                .param("sid", sid).query(Integer.class).single() > 0;
    }

    /**
     * Applies the status callbacks that arrived before the notification's SID was committed. Each is deleted only
     * once it is applied: an apply that fails (the row held past the lock timeout, a lost connection, a stop) leaves
     * it parked for the next look ({@link NotificationDelivery} looks again when the send's message is redelivered).
     * Deleted first, as it was, outside a transaction (after the send's commit), the callback was gone and its status
     * (a {@code failed}, say) lost. Applied twice (a failure between the apply and the delete) it changes nothing: a
     * final status is never overwritten, so never counted twice.
     */
    public void applyParkedCallbacks(String sid) {
        if (sid == null || !knows(sid)) {
            return;
        }
        jdbc.sql("SELECT status, error_code FROM notification_callback WHERE provider_reference = :sid "
                        + "ORDER BY received_at")
                .param("sid", sid)
                .query((rs, i) -> new String[] {rs.getString("status"), rs.getString("error_code")})
                .list()
                .forEach(callback -> {
                    status(sid, callback[0], callback[1]); // the SID known: recorded, never parked again
                    jdbc.sql("DELETE FROM notification_callback WHERE provider_reference = :sid AND status = :status")
                            .param("sid", sid).param("status", callback[0]).update();
                });
    }

    /**
     * What earlier sends of this notification lost ({@link #answerLost}): when the first attempt began of the earliest
     * send that lost the provider's answer, when the latest attempt whose answer was lost ended and what it sent (both
     * null when not known: lost before V31), as the mark its next send looks up by; an empty mark: none lost.
     */
    public LostAnswerMark lostAnswer(Notification n) {
        return jdbc.sql("SELECT answer_lost_at, answer_lost_until, answer_lost_digest, answers_lost FROM notification "
                        + "WHERE id = :id")
                .param("id", n.id())
                .query((rs, i) -> new LostAnswerMark(instantOrNull(rs.getObject(1, OffsetDateTime.class)),
                        instantOrNull(rs.getObject(2, OffsetDateTime.class)), rs.getString(3), rs.getInt(4)))
                .optional().orElseGet(() -> new LostAnswerMark(null));
    }

    /**
     * Takes as lost answers the sends of this notification that began and never recorded their outcome (the hub
     * stopped during them, their commit failed): their starts ({@link #sendStarting}) found under the notification's
     * row lock, so none is a send under way (that one would hold the lock). Each may have reached the provider: recorded
     * as an answer lost ({@link #answerLost}: from the earliest start, one more of {@code answers_lost} each; their ends
     * and what they sent not known, so the lookup reads up to now for the text as it is then), and its start deleted,
     * both in the send's transaction: rolled back with it, they are found again by the next send. A start an earlier
     * version left on the row (V28's {@code send_started_at}) counts as one. Answers how many it found. Call under the
     * row lock ({@link #lockUnsent}); one statement when there is none, the normal case.
     */
    public int unfinishedSendsTakenAsLost(Notification n) {
        List<OffsetDateTime> starts = jdbc.sql("SELECT started_at FROM notification_send_start "
                        + "WHERE notification_id = :id UNION ALL SELECT send_started_at FROM notification "
                        + "WHERE id = :id AND send_started_at IS NOT NULL")
                .param("id", n.id()).query((rs, i) -> rs.getObject(1, OffsetDateTime.class)).list();
        if (starts.isEmpty()) {
            return 0;
        }
        OffsetDateTime earliest = starts.stream().min(java.util.Comparator.naturalOrder()).orElseThrow();
        jdbc.sql("UPDATE notification SET answer_lost_at = CASE WHEN answer_lost_at IS NULL "
                        + "OR answer_lost_at > :earliest THEN :earliest ELSE answer_lost_at END, "
                        + "answer_lost_until = NULL, answer_lost_digest = NULL, answers_lost = answers_lost + :found, "
                        + "send_started_at = NULL WHERE id = :id")
                .param("id", n.id()).param("earliest", earliest).param("found", starts.size()).update();
        jdbc.sql("DELETE FROM notification_send_start WHERE notification_id = :id").param("id", n.id()).update();
        return starts.size();
    }

    /**
     * Records that a send of this notification begins ({@code now}, the system clock, as the provider's): its start,
     * {@code start} its id. Call in a transaction of its own, committed before the provider is called, while the send
     * holds the notification's row lock in its own: so the start outlives the send's transaction should that roll back
     * (the next send then takes it as a lost answer: {@link #unfinishedSendsTakenAsLost}), and no other copy sees it
     * while the send is under way. Committed before the lock was taken, as it was, a second copy coming in between
     * took the send for a lost one: an SMS looked up, an email's one resend spent, or the email given up unsent.
     */
    public void sendStarting(Notification n, String start, Instant now) {
        jdbc.sql("INSERT INTO notification_send_start (id, notification_id, started_at) VALUES (:start, :id, :now)")
                .param("start", start).param("id", n.id()).param("now", now.atOffset(ZoneOffset.UTC)).update();
    }

    /**
     * The send whose start is {@code start} has recorded its outcome (sent, refused, failed or given up): its start
     * deleted in the same transaction, so that it stays, and is taken as a lost answer, exactly when that outcome
     * rolls back.
     */
    public void sendEnded(String start) {
        jdbc.sql("DELETE FROM notification_send_start WHERE id = :start").param("start", start).update();
    }

    /**
     * A send of this notification failed, its failure known: the answers lost by its attempts recorded
     * ({@link #answerLost}: when they began and ended and the text, as its call's mark holds, and how many so far), or
     * none. Call in the send's transaction, which then commits although the send failed, and end the send
     * ({@link #sendEnded}).
     */
    public void sendFailed(Notification n, LostAnswerMark mark) {
        if (mark.lostInThisCall()) {
            answerLost(n, mark);
        }
        jdbc.sql("UPDATE notification SET answers_lost = :lost WHERE id = :id")
                .param("id", n.id()).param("lost", mark.answersLost()).update();
    }

    /**
     * An email the provider lost the answer to as many times as it may be sent again (SendGrid, which cannot be asked):
     * failed (error code answer-lost), never sent or queued again. It may have gone out: a person checks. Counted by
     * {@link #countAnswersLostForGood} once this is committed.
     */
    public void answersLostForGood(Notification n, int answersLost) {
        jdbc.sql("UPDATE notification SET status = 'failed', error_code = :reason, answers_lost = :lost, "
                        + "updated_at = :now WHERE id = :id")
                .param("id", n.id()).param("reason", ANSWER_LOST).param("lost", answersLost).param("now", now())
                .update();
    }

    /**
     * Counts an email {@link #answersLostForGood} ({@code status="answer-lost"}): call after its commit. Counted in
     * the transaction, a give-up that then rolled back (its booking's mark waited past the lock timeout) was counted,
     * and its redelivery, which gave up again, counted it a second time.
     */
    public void countAnswersLostForGood(Notification n) {
        meters.counter("connectify.notifications.failed", "channel", n.channel().name(), "status", ANSWER_LOST,
                "reason", ANSWER_LOST).increment();
    }

    /**
     * A give-up ({@link #answersLostForGood}) whose transaction rolled back (its booking's mark waited past the lock
     * timeout), the notification still unsent: its start ({@code start}) deleted, as it called no provider with it
     * (left, the next send took it as one more answer lost), and the answers its call's attempts lost recorded, if
     * any: {@code lostInThisCall} more of {@code answers_lost}, and the mark's window and text ({@link #answerLost}).
     * What the rolled-back transaction had taken as lost (earlier sends' starts) is left for the next send to take again.
     * Nothing, if another send has taken this start as lost meanwhile. In a transaction of its own.
     */
    public void givenUpRolledBack(Notification n, LostAnswerMark mark, int lostInThisCall, String start) {
        if (jdbc.sql("DELETE FROM notification_send_start WHERE id = :start").param("start", start).update() > 0
                && lostInThisCall > 0 && jdbc.sql("UPDATE notification SET answers_lost = answers_lost + :lost "
                        + "WHERE id = :id AND " + UNSENT)
                .param("id", n.id()).param("lost", lostInThisCall).update() > 0) {
            answerLost(n, mark);
        }
    }

    /**
     * Records that a send of this notification lost the provider's answer: the mark it was sent with, as its call
     * left it (the earliest start, the latest lost attempt's end and what that attempt sent; the system clock, as the
     * provider's). Committed although the send failed, so that its next send looks first, and only where the lost
     * attempts were ({@link NotificationDelivery}). Call under the notification's row lock, the mark read under it.
     */
    public void answerLost(Notification n, LostAnswerMark lost) {
        jdbc.sql("UPDATE notification SET answer_lost_at = :since, answer_lost_until = :until, "
                        + "answer_lost_digest = :sent WHERE id = :id")
                .param("id", n.id()).param("since", lost.since().atOffset(ZoneOffset.UTC))
                .param("until", lost.until() == null ? null : lost.until().atOffset(ZoneOffset.UTC),
                        Types.TIMESTAMP_WITH_TIMEZONE)
                .param("sent", lost.sent(), Types.VARCHAR).update();
    }

    /**
     * A notification no longer unsent, as recorded: its send (the provider's reference and status), or, never sent
     * (refused, given up), its error code. What a direct send's repeat under the same Idempotency-Key answers.
     */
    public Recorded recorded(Notification n) {
        return jdbc.sql("SELECT provider_reference, status, error_code FROM notification WHERE id = :id")
                .param("id", n.id())
                .query((rs, i) -> new Recorded(rs.getString(1) == null ? null : new SentNotification(n.id(),
                        n.channel().name(), rs.getString(1), rs.getString(2)), rs.getString(3)))
                .single();
    }

    /** {@link #recorded}: the send, or null and why it was not sent. */
    public record Recorded(SentNotification sent, String errorCode) {
    }

    /** The provider's reference recorded on a notification: null while it is unsent (or it was never sent). */
    public String providerReference(Notification n) {
        return jdbc.sql("SELECT provider_reference FROM notification WHERE id = :id").param("id", n.id())
                .query(String.class).optional().orElse(null);
    }

    /** {@link #unsentSince(Instant, BookingKind, int)} from the first. */
    public List<BookingKind> unsentSince(Instant before, int limit) {
        return unsentSince(before, null, limit);
    }

    /**
     * The bookings, kinds and occasions of notifications logged as queued before {@code before}, still unsent and never
     * queued again by the recovery sweep ({@link NotificationRecovery}), in that order, from the one after
     * {@code after} (null: from the first): the sweep pages through them, so bookings it fails to queue again do not
     * fill every page.
     */
    public List<BookingKind> unsentSince(Instant before, BookingKind after, int limit) {
        // COALESCE: a NULL occasion ordered and compared as "" (no NULL parameter PostgreSQL cannot type)
        var select = jdbc.sql("SELECT DISTINCT booking_id, kind, occasion, COALESCE(occasion, '') AS occasion_key "
                        + "FROM notification WHERE " + UNSENT + " AND requeued_at IS NULL AND booking_id IS NOT NULL "
                        + "AND created_at < :before" + (after == null ? "" : " AND (booking_id > :booking "
                        + "OR booking_id = :booking AND (kind > :kind OR kind = :kind AND COALESCE(occasion, '') "
                        + "> :occasion))") + " ORDER BY booking_id, kind, occasion_key LIMIT :limit")
                .param("before", before.atOffset(ZoneOffset.UTC)).param("limit", limit);
        if (after != null) {
            select = select.param("booking", after.bookingId()).param("kind", after.kind())
                    .param("occasion", after.occasion() == null ? "" : after.occasion());
        }
        return select.query((rs, i) -> new BookingKind(rs.getString("booking_id"), rs.getString("kind"),
                rs.getString("occasion"))).list();
    }

    /**
     * Records that the recovery sweep has had these notifications (ids) queued again, or found that it could not
     * ({@link NotificationRecovery}): it does so once. Answers how many it recorded. Those queued again are recorded
     * only once their messages' broker commit is done: in its own statement, after the transaction that queued them.
     */
    public int requeued(List<String> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return jdbc.sql("UPDATE notification SET requeued_at = :now WHERE id IN (:ids) AND requeued_at IS NULL")
                .param("ids", ids).param("now", now()).update();
    }

    /**
     * Records as seen these notifications (ids) that the recovery sweep could not queue again as themselves
     * ({@link NotificationRecovery}: the start they told of unknown, their booking gone), as {@link #requeued} does, and
     * answers those recorded now, each with its channel: each is answered once, so its booking is marked for a person
     * and it is counted once, whichever later sweep finds it again (another of its booking's notifications of that kind
     * lost since). Under their row locks, waiting at most the lock timeout. Call in a transaction.
     */
    public List<Unrebuildable> unrebuildable(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<Unrebuildable> first = jdbc.sql("SELECT id, channel FROM notification WHERE id IN (:ids) "
                        + "AND requeued_at IS NULL ORDER BY id FOR UPDATE")
                .param("ids", ids)
                .query((rs, i) -> new Unrebuildable(rs.getString("id"),
                        Notification.Channel.valueOf(rs.getString("channel")))).list();
        requeued(first.stream().map(Unrebuildable::id).toList());
        return first;
    }

    /**
     * Takes the row locks of these notifications (ids), waiting at most the lock timeout: a re-queue of a
     * notification another transaction holds (one being sent) is passed over. Call in a transaction.
     */
    public void lock(List<String> ids) {
        if (!ids.isEmpty()) {
            jdbc.sql("SELECT id FROM notification WHERE id IN (:ids) FOR UPDATE").param("ids", ids)
                    .query(String.class).list();
        }
    }

    /**
     * A booking's notifications of one kind and occasion logged and still unsent, as logged: what a re-queue queues
     * again, each as itself ({@link NotificationPlanner#asLogged}).
     */
    public List<Logged> unsentOf(String bookingId, String kind, String occasion) {
        // COALESCE: a NULL parameter compared with IS NULL has no type PostgreSQL can infer
        return jdbc.sql("SELECT " + LOGGED + " FROM notification WHERE booking_id = :booking AND kind = :kind AND "
                        + "COALESCE(occasion, '') = :occasion AND " + UNSENT + " ORDER BY created_at, channel, id")
                .param("booking", bookingId).param("kind", kind).param("occasion", occasion == null ? "" : occasion)
                .query(NotificationLog::logged).list();
    }

    private static Logged logged(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
        return new Logged(rs.getString("id"), rs.getString("booking_id"), rs.getString("kind"),
                rs.getString("occasion"), instantOrNull(rs.getObject("booking_start", OffsetDateTime.class)),
                Notification.Channel.valueOf(rs.getString("channel")), rs.getString("recipient"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }

    /**
     * Whether a move of the notification's booking was logged after it: its booking's start now may not be the one it
     * told of. Only rows logged before V18, without the start they told of, are asked about; a move's notice logged
     * with its start (since V18) came after such a row, whatever the two instants say: the instances' clocks may
     * differ, and one behind made a later move look earlier (the confirmation then queued again telling the moved
     * time, besides the move's notice). That is the only order the table holds apart from the instants: ids are
     * derived from what a notice is, and no version or sequence is kept. Between two rows logged before V18 the times
     * alone cannot say which of two notices logged at the same moment came last, so a move's then counts, unless the
     * notification is of a kind logged only once its booking was cancelled or refunded
     * ({@link BookingSaga#TOLD_ONCE_CANCELLED}): nothing moves such a booking, so that move came before it. Counted, a
     * cancellation logged with a move was left unsent and its booking marked for a person.
     */
    public boolean movedSince(Logged n) {
        String later = RESCHEDULED.equals(n.kind())
                ? "(booking_start IS NOT NULL OR created_at > :at OR created_at = :at "
                        + "AND COALESCE(occasion, '') <> :occasion)"
                : BookingSaga.TOLD_ONCE_CANCELLED.contains(n.kind()) ? "created_at > :at"
                : "(booking_start IS NOT NULL OR created_at >= :at)";
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :booking AND kind = '" + RESCHEDULED
                        + "' AND id <> :id AND " + later)
                .param("booking", n.bookingId()).param("id", n.id())
                .param("at", n.loggedAt().atOffset(ZoneOffset.UTC))
                .param("occasion", n.occasion() == null ? "" : n.occasion())
                .query(Integer.class).single() > 0;
    }

    /** The kinds and occasions of a booking's notifications still waiting to be sent (confirmation, refund, ...). */
    public List<BookingKind> unsentOf(String bookingId) {
        return jdbc.sql("SELECT DISTINCT kind, occasion FROM notification WHERE booking_id = :booking AND " + UNSENT
                        + " ORDER BY kind, occasion")
                .param("booking", bookingId)
                .query((rs, i) -> new BookingKind(bookingId, rs.getString("kind"), rs.getString("occasion"))).list();
    }

    /**
     * The kinds of a booking's notifications logged, whatever their status: what its customer has been told (or is
     * about to be), so a notice whose kind was renamed (an upgrade) is not told again under its new kind.
     */
    public Set<String> kindsOf(String bookingId) {
        return Set.copyOf(jdbc.sql("SELECT DISTINCT kind FROM notification WHERE booking_id = :booking")
                .param("booking", bookingId).query(String.class).list());
    }

    public List<NotificationStatus> forBooking(String bookingId) {
        return jdbc.sql("SELECT id, kind, channel, recipient, provider_reference, status, error_code FROM notification "
                        + "WHERE booking_id = :booking ORDER BY created_at, channel")
                .param("booking", bookingId)
                .query((rs, i) -> new NotificationStatus(rs.getString("id"), rs.getString("kind"),
                        rs.getString("channel"), rs.getString("recipient"), rs.getString("provider_reference"),
                        rs.getString("status"), rs.getString("error_code")))
                .list();
    }

    private java.time.OffsetDateTime now() {
        return clock.instant().atOffset(ZoneOffset.UTC);
    }

    private static OffsetDateTime startOf(Notification n) {
        return n.start() == null ? null : Instant.parse(n.start()).atOffset(ZoneOffset.UTC);
    }

    private static Instant instantOrNull(OffsetDateTime at) {
        return at == null ? null : at.toInstant();
    }

    /**
     * A notification as logged: its id, booking, kind, occasion, the booking's start it tells of (null: logged before
     * V18), channel, recipient and when it was logged.
     */
    public record Logged(String id, String bookingId, String kind, String occasion, Instant start,
                         Notification.Channel channel, String to, Instant loggedAt) {
    }

    /** A notification the recovery sweep could not queue again as itself, first recorded as seen. */
    public record Unrebuildable(String id, Notification.Channel channel) {
    }

    /** A booking's notifications of one kind and occasion (null: none, or logged before V16). */
    public record BookingKind(String bookingId, String kind, String occasion) {
    }

    public record NotificationStatus(String id, String kind, String channel, String to, String providerReference,
                                     String status, String errorCode) {
    }
}
