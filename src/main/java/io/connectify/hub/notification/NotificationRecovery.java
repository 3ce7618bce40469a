package io.connectify.hub.notification;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.notification.Notification.Channel;
import io.connectify.hub.notification.NotificationLog.BookingKind;
import io.connectify.hub.notification.NotificationLog.Unrebuildable;
import io.connectify.hub.ops.BookingMdc;
import io.connectify.hub.ops.BrokerQueueDepth;
import io.connectify.hub.ops.cluster.SingletonLease;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.DatabaseBusy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The recovery sweep of notifications whose message was lost (route notification-recover, on one instance). Messages
 * queued inside a database transaction (the API's cancel, the refund retries) are committed to the broker after the
 * database: should that commit fail, the notifications stay logged as queued with no message on the way, and no
 * redelivery will queue them again (a payment event's repeat does, for its booking). A notification dead-lettered
 * on the broker's DLQ looks the same from here.
 * <p>
 * So once the notification queues are empty, nothing in them and nothing being delivered, a notification logged as
 * queued longer than {@code connectify.notifications.recover-after} and still unsent is queued again, once: its
 * booking's unsent notifications of that kind and occasion are rebuilt from their rows as they were planned (id,
 * recipient, the start they told of) and queued again ({@link BookingSaga#requeueUnsent}), and exactly those are
 * recorded as queued again, once their messages are on the queue (the broker's commit follows the database's, so a
 * record made with the database's commit would outlive a broker commit that failed); no new notification is made: one planned anew would be another notice, sent besides the
 * original when that was only held up (a dead letter replayed), and the logged one never. One that cannot be rebuilt
 * (logged before V18 without its start, its booking moved since; its booking gone) is warned of, then judged as the
 * sender would judge it ({@link NotificationLog#outdatedSinceMoved}): one a move supersedes (a confirmation, a move's
 * notice: the later move's notice told the new time) is recorded skipped (superseded), as the sender records it, and
 * no one is asked to send it (by hand, it told the old time). Any other is recorded as seen, left queued, and, in the
 * same transaction, its booking marked as needing a person ({@link #UNREBUILDABLE_NOTE}), counted
 * ({@code connectify.notifications.unrecoverable} by channel) once that commits: each once, as it is recorded as seen
 * once. Its customer is told nothing otherwise, and a warning in the log is seen by no one. Only a booking gone
 * reaches that today (counted, with no booking to mark): every notice of a kind a move does not supersede is
 * logged once its booking can no longer move (cancelled, refunded), or since V18 with its start.
 * While messages wait (a backlog behind the throttle), or when the broker cannot say, the sweep waits too: an old
 * unsent notification may be among them. A copy of a notification is harmless: the sender sends each once. A
 * booking whose notification or booking row another transaction holds past the lock timeout is passed over until
 * the next sweep; so is one whose notices fail to be queued again otherwise (a WARN naming it, counted by
 * {@code connectify.notifications.recovery.failed}): the bookings after it are still swept, page by page, so
 * bookings that keep failing do not fill the sweep's page. Once one has failed so for
 * {@code connectify.notifications.recover-given-up-after}, it is given up as one that cannot be rebuilt. One sweep
 * takes up at most {@code connectify.notifications.recover-max-per-sweep} bookings, the next going on after the last
 * of them (queued again or failed), and from the first again once one has reached the end: a backlog is spread over
 * the sweeps, and bookings that keep failing take no more than their turn.
 */
@Component("notificationRecovery")
public class NotificationRecovery {

    private static final Logger log = LoggerFactory.getLogger(NotificationRecovery.class);
    private static final int PER_PAGE = 100;
    /** The attention note of a booking whose notice cannot be queued again (%s its kind, %s its channels). */
    static final String UNREBUILDABLE_NOTE = "its %s notice by %s was lost and cannot be queued again: send it by "
            + "hand or tell the customer";

    private final NotificationLog notifications;
    private final BookingSaga saga;
    private final BookingRepository bookings;
    private final BrokerQueueDepth depths;
    private final NotificationProperties properties;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Counter requeued;
    private final Counter failures;
    private final MeterRegistry meters;
    /**
     * The last booking (kind, occasion) a sweep took up, the next sweep going on after it; null: from the first. In
     * memory: a sweep on an instance that newly leads starts from the first, as every sweep did before the bound.
     */
    private volatile BookingKind resumeAfter;

    public NotificationRecovery(NotificationLog notifications, BookingSaga saga, BookingRepository bookings,
                                BrokerQueueDepth depths, NotificationProperties properties,
                                TransactionTemplate transactions, Clock clock, MeterRegistry meters) {
        this.notifications = notifications;
        this.saga = saga;
        this.bookings = bookings;
        this.depths = depths;
        this.properties = properties;
        this.transactions = transactions;
        this.clock = clock;
        this.requeued = meters.counter("connectify.notifications.requeued");
        this.failures = meters.counter("connectify.notifications.recovery.failed");
        this.meters = meters;
    }

    /**
     * One sweep; answers how many bookings' notifications (of one kind each) it queued again. A run of the singleton
     * route whose instance no longer leads takes no further booking (SingletonLease).
     */
    public int requeueLost(Exchange run) {
        BooleanSupplier leads = SingletonLease.forRun(run);
        // every queue a message of a notification may be in (NaN, should the broker not say of one, stays NaN)
        double waiting = properties.queues().stream().mapToDouble(depths::messageCount).sum();
        if (waiting != 0) { // messages on their way, or NaN: the broker cannot say
            return 0;
        }
        int count = 0;
        Instant now = clock.instant();
        var before = now.minus(properties.recoverAfter());
        var givenUpBefore = before.minus(properties.recoverGivenUpAfter());
        // page by page, each after the last one tried: bookings that fail (and stay unsent) filled the first page of
        // every sweep before, and the bookings after them waited for good. At most recover-max-per-sweep bookings,
        // from the one after the last the sweep before took up: a huge backlog took one sweep through all of it (and
        // the broker as many messages at once); bounded from the first each time, the bookings that keep failing
        // would fill every sweep's share, those after them never reached
        int budget = properties.recoverMaxPerSweep();
        List<BookingKind> page;
        BookingKind last = resumeAfter;
        int asked;
        do {
            asked = Math.min(PER_PAGE, budget);
            page = notifications.unsentSince(before, last, asked);
            for (BookingKind lost : page) {
                if (!leads.getAsBoolean()) {
                    return count;
                }
                last = lost;
                resumeAfter = lost;
                budget--;
                // one sweep for many bookings: each one's lines name it
                try (var named = BookingMdc.naming(lost.bookingId())) {
                    if (requeue(lost)) {
                        count++;
                    }
                } catch (RuntimeException failed) {
                    // one booking's failure (a notice that cannot be rebuilt, a broker commit that failed), its
                    // transaction rolled back: the sweep goes on. It aborted the whole sweep, and as the sweep takes
                    // the bookings by id, every booking after it waited for good
                    failures.increment();
                    log.warn("Booking {}: queueing its {} notifications again failed ({}); the sweep goes on with the "
                            + "next booking, and the next sweep tries it again", lost.bookingId(), lost.kind(),
                            Causes.forLog(failed));
                    givenUpIfFailingSince(lost, givenUpBefore);
                }
            }
        } while (page.size() == asked && budget > 0);
        if (page.size() < asked) {
            resumeAfter = null; // the end reached: the next sweep starts from the first again
        }
        return count;
    }

    /**
     * A booking whose notices have failed to be queued again since {@code givenUpBefore} (every sweep for
     * connectify.notifications.recover-given-up-after): those logged before then are recorded as seen and the booking
     * marked for a person, as one that cannot be rebuilt ({@link #UNREBUILDABLE_NOTE}), counted once. Before, it was
     * tried, warned of and counted as failed every sweep, for ever, and no one was asked to send them.
     */
    private void givenUpIfFailingSince(BookingKind lost, Instant givenUpBefore) {
        try {
            // read first: a booking failing for less than that (nearly always) costs no write transaction
            if (notifications.unsentOf(lost.bookingId(), lost.kind(), lost.occasion()).stream()
                    .noneMatch(n -> n.loggedAt().isBefore(givenUpBefore))) {
                return;
            }
            DatabaseBusy.unlessHeld(() -> transactions.execute(status -> {
                List<String> old = notifications.unsentOf(lost.bookingId(), lost.kind(), lost.occasion()).stream()
                        .filter(n -> n.loggedAt().isBefore(givenUpBefore)).map(NotificationLog.Logged::id).toList();
                List<Unrebuildable> givenUp = notifications.unrebuildable(old);
                if (!givenUp.isEmpty()) {
                    log.warn("Booking {}: its {} notification(s) {} have failed to be queued again since before {}: "
                            + "given up, left for a person", lost.bookingId(), lost.kind(),
                            givenUp.stream().map(Unrebuildable::id).toList(), givenUpBefore);
                    leftForAPerson(lost, givenUp);
                    countedOnceCommitted(givenUp);
                }
                return null;
            }), () -> log.info("Booking {}: its {} notifications' rows are held by another transaction; looked at "
                    + "again by the next sweep", lost.bookingId(), lost.kind()));
        } catch (RuntimeException failed) {
            log.warn("Booking {}: giving up its {} notifications failed ({}); the next sweep tries it again",
                    lost.bookingId(), lost.kind(), Causes.forLog(failed));
        }
    }

    /**
     * Queues one booking's lost notifications of one kind again; answers whether it queued any. A booking whose rows
     * another transaction holds is passed over.
     */
    private boolean requeue(BookingKind lost) {
        BookingSaga.Requeue requeue = DatabaseBusy.unlessHeld(() -> transactions.execute(status -> {
            var done = saga.requeueUnsent(lost.bookingId(), lost.kind(), lost.occasion());
            // their rows held (one being sent): passed over, the messages rolled back with the transaction
            notifications.lock(done.queued());
            // those it could not queue as themselves that the sender would skip all the same (a confirmation or
            // a move's notice of a booking moved since: the move's notice told the new time) are recorded
            // skipped, as the sender records them: sent by hand, as a mark asks, they told the old time
            List<String> stillTrue = notifications.skippedUnlessStillTrue(done.left());
            // the others are recorded as seen at once (every sweep would otherwise take them up again, ahead of
            // the others), and their booking marked for a person with that record: only those recorded now, so
            // a later sweep that finds one again marks and counts nothing
            List<Unrebuildable> unrebuildable = notifications.unrebuildable(stillTrue);
            if (!unrebuildable.isEmpty()) {
                leftForAPerson(lost, unrebuildable);
                countedOnceCommitted(unrebuildable);
            }
            return done;
        }), () -> log.info("Booking {}: its {} notifications' rows are held by another transaction; looked at "
                + "again by the next sweep", lost.bookingId(), lost.kind())).orElse(null);
        if (requeue == null) {
            // its notification being sent, its booking changed: passed over, where the whole sweep stopped and
            // every booking after it waited for the next
            return false;
        }
        if (requeue.queued().isEmpty()) {
            return false;
        }
        // the messages are committed to the broker after the database (on the transaction's commit), so only
        // now, execute having returned, are they on the queue: recorded as queued again only now. Recorded
        // with the database, a broker commit that failed (or a stop in between) left them recorded with no
        // message on the way, and never looked at again
        log.warn("Booking {}: its {} {} notification(s), unsent since over {} with none on the queue, queued again",
                lost.bookingId(), requeue.queued().size(), lost.kind(), properties.recoverAfter());
        requeued.increment(requeue.queued().size()); // one per notification
        DatabaseBusy.unlessHeld(() -> notifications.requeued(requeue.queued()), () -> log.info("Booking {}: its "
                + "{} notifications queued again are held by another transaction (being sent); not recorded as "
                + "queued again, so a later sweep may queue again one still unsent", lost.bookingId(),
                lost.kind()));
        return true;
    }

    /**
     * A booking's notifications of one kind that cannot be queued again: the booking marked as needing a person (no
     * recipient in the note: it is the customer's phone or email, on the booking). A booking gone has no one to mark:
     * its notifications are counted all the same.
     */
    private void leftForAPerson(BookingKind lost, List<Unrebuildable> unrebuildable) {
        String channels = unrebuildable.stream().map(Unrebuildable::channel).distinct().sorted()
                .map(c -> c == Channel.SMS ? "SMS" : "email").collect(Collectors.joining(" and "));
        if (bookings.needsAttention(lost.bookingId(), UNREBUILDABLE_NOTE.formatted(lost.kind(), channels),
                clock.instant())) {
            log.info("Booking {}: its {} notification(s) {} cannot be queued again; marked for a person "
                    + "(GET /api/v1/admin/bookings/attention)", lost.bookingId(), lost.kind(),
                    unrebuildable.stream().map(Unrebuildable::id).toList());
        }
    }

    /**
     * Counts them once their record as seen has committed (after the database's commit, whatever the broker's commit
     * of the same transaction then does: recorded, they are never counted again). One rolled back (its rows held past
     * the lock timeout) counts nothing: the next sweep takes them up again.
     */
    private void countedOnceCommitted(List<Unrebuildable> unrebuildable) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                if (status == STATUS_COMMITTED) {
                    unrebuildable.forEach(n -> meters.counter("connectify.notifications.unrecoverable", "channel",
                            n.channel().name()).increment());
                }
            }
        });
    }
}
