package io.connectify.hub.notification;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.NotificationFakes.MAIL_SEND;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.ops.BrokerQueueDepth;
import io.connectify.hub.support.GoogleCalendarFake;
import io.connectify.hub.support.PayrexxFake;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.LogLines;
import io.connectify.hub.support.StripeFake;
import io.connectify.hub.support.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.TransactionRolledBackException;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.Ordered;
import org.springframework.jms.connection.JmsResourceHolder;
import org.springframework.jms.connection.SynchedLocalTransactionFailedException;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A payment event whose transaction rolled back after its notifications were logged (a crash, a failed broker
 * commit) is redelivered: the notifications it had queued went with the rollback and are queued again; copies of
 * a notification are sent once. Notifications queued inside a database transaction reach the queue only once it
 * commits, and never if it rolls back.
 */
@HubTest
class NotificationRecoveryTest extends Webhooks {

    private static final String START = "2026-12-01T09:00:00+01:00";
    /** The earlier versions' single queue: what a dead letter of it is replayed to, forwarded by channel. */
    private static final String QUEUE = "notifications";
    private static final List<String> CHANNEL_QUEUES = List.of("notifications-sms", "notifications-email");
    private static final String FORM = "application/x-www-form-urlencoded";

    @Autowired
    ConnectionFactory connectionFactory;
    @Autowired
    CamelContext camel;
    @Autowired
    ProducerTemplate producer;
    @Autowired
    BookingRepository bookings;
    @Autowired
    TransactionTemplate transactions;
    @Autowired
    MeterRegistry meters;
    @Autowired
    BrokerQueueDepth depths;
    @Autowired
    NotificationLog notificationLog;
    @Autowired
    BookingSaga saga;
    @Autowired
    NotificationProperties notificationProperties;
    @Autowired
    io.connectify.hub.booking.CalendarEventRecheck recheck;

    @Test
    void notificationsLostWithARolledBackEventAreQueuedAgainOnItsRedeliveryAndSentOnce() throws Exception {
        stopTheSender();
        String id;
        try {
            id = confirmedStripeBooking(START);
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2); // SMS and email
            // the state a rollback leaves: the notifications logged, their messages gone, the event's key not kept
            takeFromTheQueue(2);
            assertThat(queued()).isZero();
            String payload = StripeFake.event("evt_paid_" + id.substring(0, 8), "checkout.session.completed",
                    StripeFake.checkoutSession(id, "paid", "pi_" + id.substring(0, 8)));
            redeliver(payload);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued() == 2);
            // and once more, before the first copies are sent: two copies of each notification wait
            redeliver(payload);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued() == 4);
        } finally {
            startNotificationSenders();
        }

        awaitOneSmsAndOneEmailSent();
        // every copy taken from the queue (a browse does not see those in flight, hence the second)
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).until(() -> queued() == 0);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        JsonNode notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
        assertThat(notifications).hasSize(2);
        assertThat(notifications.findValuesAsText("providerReference")).doesNotContainNull().doesNotHaveDuplicates();
    }

    @Test
    void notificationsLostAfterTheEventsKeyWasRecordedAreQueuedAgainByTheEventsRepeat() throws Exception {
        // the redelivery is a duplicate: not processed again, but what its first run queued is queued again
        String id = confirmedWithItsNoticesLostThenItsEventRepeated(lost -> assertThat(queued()).isZero());

        awaitOneSmsAndOneEmailSent();
        JsonNode notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
        assertThat(notifications.findValuesAsText("kind")).containsOnly("confirmation");
        assertThat(notifications.findValuesAsText("providerReference")).hasSize(2).doesNotContainNull();
        google.server().verify(1, postRequestedFor(urlPathEqualTo(GoogleCalendarFake.EVENTS))); // not processed again
    }

    @Test
    void aRepeatedPayrexxDeliveryFindsItsBookingByThePaymentAndQueuesItsLostNotificationsAgain() throws Exception {
        google.stub(post(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson(GoogleCalendarFake.eventJson(
                "bkevent", "Consultation", START, START))));
        // as Payrexx posts it ("Normal (PHP-Post)"): the transaction's id, status and the booking it is for
        repeatedAfterItsNotificationsWereLost(4720, "confirmed", "CONFIRMED",
                id -> "transaction%5Bid%5D=4720&transaction%5Bstatus%5D=confirmed"
                        + "&transaction%5Binvoice%5D%5BreferenceId%5D=" + id);

        // the repeat was not processed again: one look-up of the transaction at Payrexx, the first delivery's
        payrexx.server().verify(1, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4720/")));
    }

    @Test
    void aRepeatedPayrexxFailureFindsItsBookingAtPayrexxAndQueuesItsLostNotificationsAgain() throws Exception {
        // a failed transaction is recorded on no booking: the repeat asks Payrexx which booking it is for
        String id = repeatedAfterItsNotificationsWereLost(4721, "cancelled", "PAYMENT_FAILED",
                booking -> "transaction%5Bid%5D=4721&transaction%5Bstatus%5D=cancelled");

        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).containsOnly("payment-failed");
        payrexx.server().verify(2, getRequestedFor(urlPathEqualTo("/v1.0/Transaction/4721/")));
        assertThat(status(id)).isEqualTo("PAYMENT_FAILED"); // a duplicate, not processed again
    }

    /**
     * A Payrexx booking's delivery processed, then its notifications' messages taken off the queue (the state a crash
     * between its key's commit, in the database, and the broker's leaves), then the delivery repeated: its
     * notifications are queued again and each sent once. The booking's id.
     */
    private String repeatedAfterItsNotificationsWereLost(long transaction, String status, String bookingStatus,
                                                         UnaryOperator<String> deliveryFor) throws Exception {
        stopTheSender();
        String id;
        try {
            id = pendingBooking(START, "payrexx");
            String delivery = deliveryFor.apply(id);
            payrexx.transaction(transaction, status, id);
            assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, delivery).status()).isEqualTo(200);
            awaitStatus(id, bookingStatus);
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2
                    && recorded("payrexx:" + transaction + ":" + status));
            takeFromTheQueue(2);

            assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, delivery).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued() == 2);
        } finally {
            startNotificationSenders();
        }
        awaitOneSmsAndOneEmailSent();
        return id;
    }

    @Test
    void aRepeatedPayrexxFailureIsAcknowledgedAsADuplicateWhilePayrexxCannotSayWhoseItIs() throws Exception {
        String id = pendingBooking(START, "payrexx");
        payrexx.transaction(4722, "cancelled", id);
        String delivery = "transaction%5Bid%5D=4722&transaction%5Bstatus%5D=cancelled";
        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, delivery).status()).isEqualTo(200);
        awaitStatus(id, "PAYMENT_FAILED");
        await().atMost(Duration.ofSeconds(5)).until(() -> recorded("payrexx:4722:cancelled"));
        double duplicatesBefore = meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count();
        double deadLettersBefore = deadLetters();
        payrexx.server().stubFor(get(urlPathEqualTo("/v1.0/Transaction/4722/")).willReturn(aResponse().withStatus(404)));

        assertThat(payrexxWebhook(PayrexxFake.WEBHOOK_TOKEN, FORM, delivery).status()).isEqualTo(200);
        // taken off the queue (acknowledged) as a duplicate, and not as a dead letter of a harmless repeat
        await().atMost(Duration.ofSeconds(15)).until(() ->
                meters.counter("connectify.webhook.duplicates", "provider", "payrexx").count() == duplicatesBefore + 1
                        && depths.messageCount("payrexx-events") == 0);
        assertThat(deadLetters()).isEqualTo(deadLettersBefore);
        assertThat(status(id)).isEqualTo("PAYMENT_FAILED");
    }

    private double deadLetters() {
        return meters.find("connectify.dead.letters").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void aRedeliveredFailureEventQueuesItsLostNotificationsAgain() throws Exception {
        stopTheSender();
        String id;
        try {
            id = pendingBooking(START, "stripe");
            String payload = StripeFake.event("evt_failed_" + id.substring(0, 8),
                    "checkout.session.async_payment_failed", StripeFake.checkoutSession(id, "unpaid", "pi_failed"));
            assertThat(signedStripeWebhook(payload).status()).isEqualTo(200);
            awaitStatus(id, "PAYMENT_FAILED");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            takeFromTheQueue(2);

            redeliver(payload);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued() == 2);
        } finally {
            startNotificationSenders();
        }

        awaitOneSmsAndOneEmailSent();
        assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                .findValuesAsText("kind")).containsOnly("payment-failed");
    }

    @Test
    void notificationsQueuedInADatabaseTransactionReachTheQueueOnlyOnceItCommitsAndNeverIfItRollsBack() throws Exception {
        stopTheSender();
        String id = null;
        try {
            id = pendingBooking(START, "stripe");
            Booking booking = bookings.find(id).orElseThrow();

            assertThatThrownBy(() -> transactions.executeWithoutResult(status -> {
                queueCancellationNotifications(booking);
                throw new IllegalStateException("rolled back after queueing");
            })).hasMessage("rolled back after queueing");
            assertThat(queuedSeenFromAnotherThread()).isZero();
            assertThat(notificationsOf(id)).isZero();

            transactions.executeWithoutResult(status -> {
                queueCancellationNotifications(booking);
                // logged in this transaction, not yet on the queue for the sender to read before the row is there
                assertThat(queuedSeenFromAnotherThread()).isZero();
            });
            assertThat(queuedSeenFromAnotherThread()).isEqualTo(2); // SMS and email
        } finally {
            startNotificationSenders();
        }

        assertCancellationSmsAndEmailSent(id);
    }

    @Test
    void notificationsWhoseMessagesWereLostAreQueuedAgainByTheRecoverySweepOnceTheQueueIsEmpty() throws Exception {
        stopTheSender();
        double requeuedBefore = meters.counter("connectify.notifications.requeued").count();
        String id;
        try {
            id = bookingWithItsCancellationNoticesQueued();
            assertThat(recoverySweep()).isZero(); // just queued

            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isZero(); // old and unsent, but their messages wait on the queue

            // the state a broker commit that failed after the database's leaves: logged as queued, no message
            takeFromTheQueue(2);
            assertThat(recoverySweep()).isEqualTo(1); // the booking's cancellation notifications
            assertThat(queued()).isEqualTo(2);
        } finally {
            startNotificationSenders();
        }

        assertCancellationSmsAndEmailSent(id);
        // one per notification: the SMS and the email
        assertThat(meters.counter("connectify.notifications.requeued").count()).isEqualTo(requeuedBefore + 2);
    }

    @Test
    void notificationsTheSweepQueuedAgainWhoseBrokerCommitFailedAreQueuedAgainByTheNextSweep() throws Exception {
        stopTheSender();
        double requeuedBefore = meters.counter("connectify.notifications.requeued").count();
        double failedBefore = meters.counter("connectify.notifications.recovery.failed").count();
        String id;
        try {
            id = bookingWithItsCancellationNoticesQueued();
            takeFromTheQueue(2); // lost
            clock.advance(Duration.ofMinutes(16));

            // the sweep's broker commit fails after the database's commit (or the instance stops in between): logged
            // and counted, the sweep going on with the next booking
            var brokerCommitFails = new NotificationRecovery(notificationLog, saga, bookings, depths,
                    notificationProperties, new BrokerCommitFails(transactions), clock, meters);
            assertThat(brokerCommitFails.requeueLost(null)).isZero();
            assertThat(queuedSeenFromAnotherThread()).isZero();
            assertThat(meters.counter("connectify.notifications.requeued").count()).isEqualTo(requeuedBefore);
            assertThat(meters.counter("connectify.notifications.recovery.failed").count()).isEqualTo(failedBefore + 1);

            // not recorded as queued again: the next sweep queues them
            assertThat(recoverySweep()).isEqualTo(1);
            assertThat(queued()).isEqualTo(2);
        } finally {
            startNotificationSenders();
        }

        assertCancellationSmsAndEmailSent(id);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        assertThat(meters.counter("connectify.notifications.requeued").count()).isEqualTo(requeuedBefore + 2);
    }

    /** A Stripe booking whose SMS and email cancellation notices are queued (the sender stopped): its id. */
    private String bookingWithItsCancellationNoticesQueued() {
        String id = pendingBooking(START, "stripe");
        Booking booking = bookings.find(id).orElseThrow();
        transactions.executeWithoutResult(status -> queueCancellationNotifications(booking));
        await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
        return id;
    }

    /**
     * The hub's transactions, each of which fails to commit the messages it queued: after the database's commit,
     * before the broker session bound to the transaction commits, the session is rolled back and the commit fails,
     * as a broker commit that failed. (A synchronization that only threw would not do: Spring's JMS synchronization
     * commits its session on completion when its afterCommit was not reached.)
     */
    private static final class BrokerCommitFails extends TransactionTemplate {

        /** What Spring's JMS synchronization throws when the session's commit fails. */
        static final String FAILURE = "Local JMS transaction failed to commit";

        BrokerCommitFails(TransactionTemplate transactions) {
            super(transactions.getTransactionManager());
        }

        @Override
        public <T> T execute(org.springframework.transaction.support.TransactionCallback<T> action) {
            return super.execute(status -> {
                inThisTransaction();
                return action.doInTransaction(status);
            });
        }

        /**
         * Makes the broker's commit of the transaction the caller runs in fail after the database's commit, as a
         * broken pooled broker session fails it (Artemis AMQ219030, wrapped by Spring's JMS synchronization).
         */
        static void inThisTransaction() {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                private final List<JmsResourceHolder> broker = new ArrayList<>();

                @Override
                public int getOrder() {
                    return Ordered.HIGHEST_PRECEDENCE; // before the JMS session's commit
                }

                @Override
                public void beforeCommit(boolean readOnly) {
                    // the session the transaction's sends went on, bound to it until its completion begins
                    for (Object resource : TransactionSynchronizationManager.getResourceMap().values()) {
                        if (resource instanceof JmsResourceHolder jms) {
                            broker.add(jms);
                        }
                    }
                }

                @Override
                public void afterCommit() {
                    assertThat(broker).as("a broker session in the transaction").isNotEmpty();
                    for (JmsResourceHolder jms : broker) {
                        try {
                            jms.getSession().rollback();
                        } catch (jakarta.jms.JMSException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    throw new SynchedLocalTransactionFailedException(FAILURE, new TransactionRolledBackException(
                            "AMQ219030: The transaction was rolled back on failover to a backup server"));
                }
            });
        }
    }

    /**
     * {@code request}, during which the broker fails to take the first notices of {@code kind} queued outside a
     * database transaction (a move's, queued once it has committed), as a broken pooled broker session fails a send;
     * asserts that it did.
     */
    private <T> T whileTheBrokerFailsToTake(String kind, java.util.function.Supplier<T> request) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
        AdviceWith.adviceWith(camel, "notification-queue", route -> route.weaveAddFirst().process(exchange -> {
            if (ofKind(exchange, kind) && armed.compareAndSet(true, false)) {
                assertThat(TransactionSynchronizationManager.isActualTransactionActive()).as("in a transaction")
                        .isFalse();
                throw new org.springframework.jms.UncategorizedJmsException(
                        new jakarta.jms.JMSException("AMQ219010: Connection is destroyed"));
            }
        }).id("broker-fails-to-take"));
        try {
            return request.get();
        } finally {
            AdviceWith.adviceWith(camel, "notification-queue",
                    route -> route.weaveById("broker-fails-to-take").remove());
            assertThat(armed).as("%s notices were queued", kind).isFalse();
        }
    }

    /** Whether the notices an exchange of the route notification-queue carries are of {@code kind}. */
    private static boolean ofKind(org.apache.camel.Exchange exchange, String kind) {
        return exchange.getIn().getBody() instanceof List<?> notices && !notices.isEmpty()
                && notices.get(0) instanceof Notification n && kind.equals(n.kind());
    }

    /**
     * A move's notices go to the broker once its transaction has committed, the slot lock released: while the broker
     * takes its time with them (held here), another customer's booking, which needs that lock, is made, and once the
     * broker has them the move answers and its notice is sent. Before, they were sent under the slot lock: every
     * booking, move and re-check waited for the broker, here past the lock timeout (409 invalid-state).
     */
    @Test
    void aMovesNoticesGoToTheBrokerOnceTheSlotLockIsReleased() throws Exception {
        String id = movableBooking();
        java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AdviceWith.adviceWith(camel, "notification-queue", route -> route.weaveAddFirst().process(exchange -> {
            if (ofKind(exchange, "rescheduled")) {
                arrived.countDown();
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }).id("broker-send-held"));
        var customer = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            var moved = customer.submit(() -> httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"2026-12-02T14:00:00+01:00\"}"));
            assertThat(arrived.await(20, java.util.concurrent.TimeUnit.SECONDS)).as("the move's notices sent").isTrue();

            var other = httpPost("/api/v1/bookings", """
                    {"start":"2026-12-03T09:00:00+01:00","durationMinutes":60,
                     "customer":{"name":"Jane Roe","email":"jane@example.com"}}""");

            assertThat(other.status()).as(other.body()).isEqualTo(201);
            assertThat(moved.isDone()).as("the move still waits for the broker").isFalse();
            release.countDown();
            var answer = moved.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        } finally {
            release.countDown();
            customer.shutdownNow();
            AdviceWith.adviceWith(camel, "notification-queue", route -> route.weaveById("broker-send-held").remove());
        }
        awaitOneSmsAndOneEmailSent(); // the move's notice
        assertThat(smsSent()).singleElement().asString().contains(MOVED_TO.formatted("Mittwoch, 2.", "14:00"));
    }

    /**
     * {@code request}, during which the broker's commit of the transaction that queues a notice of {@code kind} fails
     * after the database's (the first such transaction only), as {@link BrokerCommitFails}; asserts that it did.
     */
    private <T> T whileTheBrokerCommitFailsFor(String kind, java.util.function.Supplier<T> request) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
        // after the notice's messages were sent, on the session bound to the transaction
        AdviceWith.adviceWith(camel, "booking-notify", route -> route.weaveAddLast().process(exchange -> {
            if (kind.equals(exchange.getIn().getHeader(NotificationPlanner.KIND)) && armed.compareAndSet(true, false)) {
                BrokerCommitFails.inThisTransaction();
            }
        }).id("broker-commit-fails"));
        try {
            return request.get();
        } finally {
            AdviceWith.adviceWith(camel, "booking-notify", route -> route.weaveById("broker-commit-fails").remove());
            assertThat(armed).as("a transaction queued a %s notice", kind).isFalse();
        }
    }

    /**
     * A move committed in the database whose notices the broker then fails to take (a broken pooled broker session; they
     * are queued once the move's transaction has committed, the slot lock released) is made: 200 with the new time, its
     * event left there (no PATCH back), a WARN that its notices were not queued, and the recovery sweep queues them.
     * Before, the API answered 500 `internal-error` for the move it had made.
     */
    @Test
    void aMoveWhoseNoticesTheBrokerFailsToTakeAfterTheDatabasesCommitIsAnsweredAsMadeAndTheRecoverySweepSendsItsNotice()
            throws Exception {
        String id = movableBooking();
        String event = GoogleCalendarFake.EVENTS + "/" + BookingSaga.eventIdFor(id);
        String start = "2026-12-02T14:00:00+01:00";

        Response moved;
        List<String> warnings;
        try (LogLines lines = LogLines.of(BookingSaga.class)) {
            moved = whileTheBrokerFailsToTake("rescheduled", () -> httpPost("/api/v1/bookings/" + id
                    + "/reschedule", "{\"start\":\"" + start + "\"}"));
            warnings = lines.lines().stream().filter(line -> line.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
        }

        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
        assertThat(moved.json().get("start").asText()).isEqualTo(start);
        assertThat(httpGet("/api/v1/bookings/" + id).json().get("start").asText()).isEqualTo(start);
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event))); // the move's; not moved back
        assertThat(warnings).anySatisfy(line -> assertThat(line).contains(id).contains("its notices were not queued")
                .contains("UncategorizedJmsException < JMSException")
                .doesNotContain("AMQ219010"));
        // logged as queued, with no message on the way
        assertThat(queued()).isZero();
        loggedQueuedThenSentByTheRecoverySweep(id, "rescheduled");
        awaitOneSmsAndOneEmailSent();
        assertThat(smsSent()).singleElement().asString().contains(MOVED_TO.formatted("Mittwoch, 2.", "14:00"));
        google.server().verify(1, patchRequestedFor(urlPathEqualTo(event)));
    }

    /**
     * A cancel whose refund committed in the database and whose refund notice's broker commit then fails is made:
     * 200 `REFUNDED`, refunded once at Stripe, its refund's answer not recorded as lost, and the recovery sweep sends
     * the notice. Before, 500 `internal-error` (and a repeated cancel 409) for a booking cancelled and refunded.
     */
    @Test
    void aCancelWhoseRefundNoticesBrokerCommitFailsAfterTheDatabasesIsAnsweredAsRefundedAndTheRecoverySweepSendsIt()
            throws Exception {
        String id = cancellableBooking();

        Response cancelled = whileTheBrokerCommitFailsFor("refund", () -> httpPost("/api/v1/bookings/" + id
                + "/cancel", ""));

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        assertThat(status(id)).isEqualTo("REFUNDED");
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND refund_answer_lost_at IS NOT NULL")
                .param("id", id).query(Integer.class).single()).as("its refund's answer recorded as lost").isZero();
        assertThat(queued()).isZero();
        loggedQueuedThenSentByTheRecoverySweep(id, "refund");
        awaitOneSmsAndOneEmailSent();
        stripe.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The same for a cancel after the refund cut-off, whose notice is queued in the cancellation's own transaction:
     * 200 `CANCELLED`, nothing refunded, and the recovery sweep sends the notice.
     */
    @Test
    void aCancelAfterTheCutOffWhoseNoticesBrokerCommitFailsIsAnsweredAsCancelledAndTheRecoverySweepSendsIt()
            throws Exception {
        String id = cancellableBooking();
        clock.set(java.time.Instant.parse("2026-12-01T12:00:00Z")); // 21 hours before its start; the cut-off is 24

        Response cancelled = whileTheBrokerCommitFailsFor("cancellation", () -> httpPost("/api/v1/bookings/" + id
                + "/cancel", ""));

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        loggedQueuedThenSentByTheRecoverySweep(id, "cancellation");
        awaitOneSmsAndOneEmailSent();
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The same for a cancel of a booking whose payment is disputed, whose notice is queued in the cancellation's own
     * transaction: 200 `CANCELLED`, its refund stopped, nothing refunded, and the recovery sweep sends the notice.
     */
    @Test
    void aCancelWhileItsPaymentIsDisputedWhoseNoticesBrokerCommitFailsIsAnsweredAsCancelledAndTheSweepSendsIt()
            throws Exception {
        String id = cancellableBooking();
        String payment = "pi_" + id.substring(0, 8);
        assertThat(signedStripeWebhook(StripeFake.event("evt_dispute_" + id.substring(0, 8), "charge.dispute.created",
                """
                {"id":"dp_%s","object":"dispute","amount":9000,"charge":"ch_%s","currency":"chf","metadata":{},
                 "payment_intent":"%s","reason":"fraudulent","status":"needs_response"}"""
                        .formatted(payment, payment, payment))).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> httpGet("/api/v1/bookings/" + id).json()
                .path("statusReason").asText().startsWith("the customer disputes the payment"));

        Response cancelled = whileTheBrokerCommitFailsFor("cancellation-disputed", () -> httpPost("/api/v1/bookings/"
                + id + "/cancel", ""));

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("statusReason").asText())
                .isEqualTo("cancelled, its refund stopped: the customer disputes the payment, the dispute decides");
        loggedQueuedThenSentByTheRecoverySweep(id, "cancellation-disputed");
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A booking the calendar re-check moves to follow its event, moved in Google, whose notices the broker then fails
     * to take (sent once the move has committed) is moved: counted and logged as moved, with a WARN (no ERROR, no failed run) that its
     * notices were not queued, and the run goes on to the next booking and completes; the recovery sweep sends the
     * notice. Before, the run failed there: counted failed and logged so, the bookings after it not compared until the
     * next run, the move made left uncounted.
     */
    @Test
    void aMoveTheRecheckFollowsWhoseNoticesTheBrokerDoesNotTakeIsMadeTheRunGoesOnAndTheRecoverySweepSendsItsNotice()
            throws Exception {
        String first = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
        String second = confirmedStripeBooking("2026-12-02T15:00:00+01:00");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> { // the confirmations
            notify.twilio().verify(2, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(2, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        notify.reset();
        // both events dragged to the next day in Google, listed there
        google.stub(get(urlPathEqualTo(GoogleCalendarFake.EVENTS)).willReturn(okJson("{\"kind\":\"calendar#events\","
                + "\"items\":[" + GoogleCalendarFake.eventJson(BookingSaga.eventIdFor(first), "Consultation",
                "2026-12-03T10:00:00+01:00", "2026-12-03T11:00:00+01:00") + "," + GoogleCalendarFake.eventJson(
                BookingSaga.eventIdFor(second), "Consultation", "2026-12-03T15:00:00+01:00",
                "2026-12-03T16:00:00+01:00") + "]}")));
        double moved = meters.counter("connectify.gcal.bookings.moved").count();
        double completed = meters.counter("connectify.gcal.rechecks", "outcome", "completed").count();
        double failed = meters.counter("connectify.gcal.rechecks", "outcome", "failed").count();

        List<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ArrayList<>();
        int looked = whileTheBrokerFailsToTake("rescheduled", () -> LogLines.onThisThread(logged,
                recheck::recheck));

        assertThat(looked).isEqualTo(2);
        assertThat(httpGet("/api/v1/bookings/" + first).json().get("start").asText())
                .isEqualTo("2026-12-03T10:00:00+01:00");
        assertThat(httpGet("/api/v1/bookings/" + second).json().get("start").asText())
                .isEqualTo("2026-12-03T15:00:00+01:00");
        assertThat(meters.counter("connectify.gcal.bookings.moved").count()).isEqualTo(moved + 2);
        assertThat(meters.counter("connectify.gcal.rechecks", "outcome", "completed").count()).isEqualTo(completed + 1);
        assertThat(meters.counter("connectify.gcal.rechecks", "outcome", "failed").count()).isEqualTo(failed);
        assertThat(logged).noneMatch(line -> line.getLevel() == ch.qos.logback.classic.Level.ERROR);
        assertThat(logged).filteredOn(line -> line.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).singleElement().asString()
                .contains(first).contains("follows its calendar event to 2026-12-03T10:00:00+01:00")
                .contains("its notices were not queued")
                .contains("UncategorizedJmsException < JMSException");
        google.server().verify(0, patchRequestedFor(urlPathEqualTo(GoogleCalendarFake.EVENTS + "/"
                + BookingSaga.eventIdFor(first))));
        // the second booking's notices queued and sent as usual; the first's logged as queued, for the sweep
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(referencesOf(second, "rescheduled")).hasSize(2).doesNotContainNull());
        loggedQueuedThenSentByTheRecoverySweep(first, "rescheduled");
    }

    /**
     * The booking's two notices of {@code kind} logged as queued (their messages not on a queue), then queued again by
     * the recovery sweep once older than recover-after, and sent: each with its provider's reference.
     */
    private void loggedQueuedThenSentByTheRecoverySweep(String id, String kind) {
        assertThat(statusesByKind(id).get(kind)).containsExactly("queued", "queued");
        clock.advance(Duration.ofMinutes(16));
        assertThat(recoverySweep()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(referencesOf(id, kind)).hasSize(2).doesNotContainNull());
    }

    /** A confirmed Stripe booking whose confirmation was sent and whose calendar event can be deleted; fakes reset. */
    private String cancellableBooking() {
        String id = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
        awaitOneSmsAndOneEmailSent(); // the confirmation
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathEqualTo(GoogleCalendarFake.EVENTS
                + "/" + BookingSaga.eventIdFor(id))).willReturn(com.github.tomakehurst.wiremock.client.WireMock
                .noContent()));
        notify.reset();
        return id;
    }

    @Test
    void theRecoverySweepPassesOverABookingWhoseNotificationsAreHeldAndQueuesTheOthersAgain() throws Exception {
        stopTheSender();
        String held;
        String free;
        try {
            List<String> ids = twoBookingsWhoseCancellationNoticesWereLost();
            // the first one's rows are held (its notification being sent, say) for longer than the lock timeout
            held = ids.get(0);
            free = ids.get(1);

            int requeued = whileRowsAreHeld("SELECT * FROM notification WHERE booking_id = :id FOR UPDATE",
                    Map.of("id", held), this::recoverySweep);

            assertThat(requeued).isEqualTo(1);
            assertThat(queued()).isEqualTo(2);
        } finally {
            startNotificationSenders();
        }

        sentAndThePassedOverQueuedByTheNextSweep(free, held);
        assertThat(httpGet("/api/v1/bookings/" + held + "/notifications").json().get("notifications")
                .findValuesAsText("providerReference")).hasSize(2).doesNotContainNull();
    }

    /**
     * One booking whose notices fail to be queued again (here its rebuilding throws) is logged as a WARN naming it,
     * without the failure's message, and counted; the sweep goes on with the next booking, and the next sweep tries it
     * again. Before, the failure aborted the whole sweep: the sweep takes the bookings by id, so every booking after
     * it waited for good.
     */
    @Test
    void aBookingWhoseNoticesFailToBeQueuedAgainIsLoggedAndCountedAndTheSweepGoesOnWithTheNext() throws Exception {
        stopTheSender();
        double failedBefore = meters.counter("connectify.notifications.recovery.failed").count();
        String failing;
        String next;
        List<String> warnings;
        try {
            List<String> ids = twoBookingsWhoseCancellationNoticesWereLost();
            failing = ids.get(0);
            next = ids.get(1);
            // the saga, but rebuilding the first booking's notices throws (the exception's message kept out of the log)
            BookingSaga failsForTheFirst = mock(BookingSaga.class);
            when(failsForTheFirst.requeueUnsent(anyString(), anyString(), any())).thenAnswer(call -> {
                if (failing.equals(call.getArgument(0))) {
                    throw new IllegalStateException("cannot render: token sk_live_notforlogs");
                }
                return saga.requeueUnsent(call.getArgument(0), call.getArgument(1), call.getArgument(2));
            });
            var sweep = new NotificationRecovery(notificationLog, failsForTheFirst, bookings, depths,
                    notificationProperties, transactions, clock, meters);

            int requeued;
            try (LogLines lines = LogLines.of(NotificationRecovery.class)) {
                requeued = sweep.requeueLost(null);
                warnings = lines.lines().stream().filter(line -> line.getLevel() == ch.qos.logback.classic.Level.WARN)
                        .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
            }

            assertThat(requeued).isEqualTo(1);
            assertThat(queued()).isEqualTo(2); // the next booking's SMS and email
            assertThat(meters.counter("connectify.notifications.recovery.failed").count()).isEqualTo(failedBefore + 1);
            assertThat(warnings).anySatisfy(line -> assertThat(line).contains(failing).contains("failed")
                    .contains("IllegalStateException"));
            assertThat(warnings).allSatisfy(line -> assertThat(line).doesNotContain("sk_live_notforlogs"));
        } finally {
            startNotificationSenders();
        }

        sentAndThePassedOverQueuedByTheNextSweep(next, failing);
    }

    /**
     * More bookings whose notices fail to be queued again than one page of the sweep (100), all before a good one by
     * id: one sweep pages past them and queues the good one's notices again, which are sent. Before, the failing ones
     * filled the sweep's only page every time (they stay unsent), and the good one waited for good. Once they have
     * failed for connectify.notifications.recover-given-up-after (24h), a sweep gives them up: recorded as seen, the
     * booking there is marked for a person and each counted unrecoverable once; the next sweep tries none of them.
     * Before, they were tried, warned of and counted as failed every sweep, for ever.
     */
    @Test
    void bookingsWhoseNoticesFailEverySweepStarveNoneAfterThemAndAreLeftForAPersonAfterADay() throws Exception {
        stopTheSender();
        double failedBefore = meters.counter("connectify.notifications.recovery.failed").count();
        double smsBefore = unrecoverableScraped("SMS");
        double emailBefore = unrecoverableScraped("EMAIL");
        String good;
        String failing;
        NotificationRecovery sweep;
        try {
            List<String> ids = twoBookingsWhoseCancellationNoticesWereLost();
            failing = ids.get(0);
            good = ids.get(1);
            // 100 more bookings' notices lost as long ago (their bookings gone), all before both by id
            java.time.OffsetDateTime logged = clock.instant().minus(Duration.ofMinutes(16))
                    .atOffset(java.time.ZoneOffset.UTC);
            List<String> gone = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String bookingId = "00000000-0000-4000-8000-%012d".formatted(i);
                gone.add(bookingId);
                jdbc.sql("INSERT INTO notification (id, booking_id, kind, channel, recipient, status, created_at, "
                                + "updated_at) VALUES (:id, :booking, 'cancellation', 'SMS', '+41790000000', 'queued', "
                                + ":at, :at)")
                        .param("id", java.util.UUID.randomUUID().toString()).param("booking", bookingId)
                        .param("at", logged).update();
            }
            // the saga, but rebuilding the notices of every booking but the good one throws
            BookingSaga failsButForTheGood = mock(BookingSaga.class);
            when(failsButForTheGood.requeueUnsent(anyString(), anyString(), any())).thenAnswer(call -> {
                if (!good.equals(call.getArgument(0))) {
                    throw new IllegalStateException("cannot render");
                }
                return saga.requeueUnsent(call.getArgument(0), call.getArgument(1), call.getArgument(2));
            });
            sweep = new NotificationRecovery(notificationLog, failsButForTheGood, bookings, depths,
                    notificationProperties, transactions, clock, meters);

            assertThat(sweep.requeueLost(null)).as("the good booking's, past a page of failing ones").isEqualTo(1);
            assertThat(queued()).isEqualTo(2);
            assertThat(meters.counter("connectify.notifications.recovery.failed").count())
                    .isEqualTo(failedBefore + 101);
            assertThat(gone).allSatisfy(id -> assertThat(notificationLog.forBooking(id))
                    .singleElement().extracting(NotificationLog.NotificationStatus::status).isEqualTo("queued"));
        } finally {
            startNotificationSenders();
        }
        assertCancellationSmsAndEmailSent(good);
        assertThat(unrecoverableScraped("SMS")).as("not given up yet").isEqualTo(smsBefore);

        clock.advance(Duration.ofHours(24));
        assertThat(sweep.requeueLost(null)).isZero();
        assertThat(meters.counter("connectify.notifications.recovery.failed").count()).isEqualTo(failedBefore + 202);
        assertThat(attentionOf(failing).get("note").asText()).isEqualTo("its cancellation notice by SMS and email was "
                + "lost and cannot be queued again: send it by hand or tell the customer");
        assertThat(unrecoverableScraped("SMS")).isEqualTo(smsBefore + 101);
        assertThat(unrecoverableScraped("EMAIL")).isEqualTo(emailBefore + 1);

        assertThat(sweep.requeueLost(null)).isZero();
        assertThat(meters.counter("connectify.notifications.recovery.failed").count()).as("none tried again")
                .isEqualTo(failedBefore + 202);
    }

    /**
     * A sweep takes up at most recover-max-per-sweep bookings (here 2 of 3 whose notices were lost): their notices
     * are queued again and sent; the next sweep goes on with the rest. Before, one sweep queued every lost booking's
     * notices at once, however many.
     */
    @Test
    void aSweepQueuesAgainAtMostItsBoundOfBookingsAndTheNextSweepTheRest() throws Exception {
        stopTheSender();
        List<String> ids;
        var sweep = new NotificationRecovery(notificationLog, saga, bookings, depths,
                notificationProperties.withRecoverMaxPerSweep(2), transactions, clock, meters);
        try {
            ids = bookingsWhoseCancellationNoticesWereLost(START, "2026-12-01T11:00:00+01:00",
                    "2026-12-01T13:00:00+01:00");
            assertThat(sweep.requeueLost(null)).isEqualTo(2);
            assertThat(queued()).isEqualTo(4); // the first two bookings' SMS and email
        } finally {
            startNotificationSenders();
        }
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(2, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(2, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        assertThat(httpGet("/api/v1/bookings/" + ids.get(2) + "/notifications").json().get("notifications")
                .findValuesAsText("status")).as("left for the next sweep").containsExactly("queued", "queued");

        assertThat(sweep.requeueLost(null)).as("the next sweep: the rest").isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(3, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(3, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        assertThat(httpGet("/api/v1/bookings/" + ids.get(2) + "/notifications").json().get("notifications")
                .findValuesAsText("providerReference")).hasSize(2).doesNotContainNull();
    }

    /**
     * Bookings that fail to be queued again every sweep, as many as the bound, before a good one: the next sweep goes
     * on after them to the good one, and the sweep after that, having reached the end, starts from the first again.
     * Bounded from the first every time, the failing ones would take every sweep's share for good.
     */
    @Test
    void boundedSweepsGoOnPastTheBookingsTheSweepBeforeTookUpAndStartOverAtTheEnd() throws Exception {
        stopTheSender();
        double failedBefore = meters.counter("connectify.notifications.recovery.failed").count();
        try {
            List<String> ids = bookingsWhoseCancellationNoticesWereLost(START, "2026-12-01T11:00:00+01:00",
                    "2026-12-01T13:00:00+01:00");
            String good = ids.get(2);
            BookingSaga failsButForTheLast = mock(BookingSaga.class);
            when(failsButForTheLast.requeueUnsent(anyString(), anyString(), any())).thenAnswer(call -> {
                if (!good.equals(call.getArgument(0))) {
                    throw new IllegalStateException("cannot render");
                }
                return saga.requeueUnsent(call.getArgument(0), call.getArgument(1), call.getArgument(2));
            });
            var sweep = new NotificationRecovery(notificationLog, failsButForTheLast, bookings, depths,
                    notificationProperties.withRecoverMaxPerSweep(2), transactions, clock, meters);

            assertThat(sweep.requeueLost(null)).as("the two failing ones").isZero();
            assertThat(meters.counter("connectify.notifications.recovery.failed").count()).isEqualTo(failedBefore + 2);
            assertThat(queued()).isZero();

            assertThat(sweep.requeueLost(null)).as("the next sweep: past them, to the good one").isEqualTo(1);
            assertThat(meters.counter("connectify.notifications.recovery.failed").count()).isEqualTo(failedBefore + 2);
            assertThat(queued()).isEqualTo(2);

            takeFromTheQueue(2); // lost again (recorded as queued again: not taken up again)
            assertThat(sweep.requeueLost(null)).as("from the first again").isZero();
            assertThat(meters.counter("connectify.notifications.recovery.failed").count()).isEqualTo(failedBefore + 4);
        } finally {
            startNotificationSenders();
        }
    }

    /**
     * Two Stripe bookings whose SMS and email cancellation notices were queued (the sender stopped) and lost, older
     * than recover-after: their ids, in the order the sweep takes them (by id).
     */
    private List<String> twoBookingsWhoseCancellationNoticesWereLost() {
        return bookingsWhoseCancellationNoticesWereLost(START, "2026-12-01T11:00:00+01:00");
    }

    /**
     * Stripe bookings at these starts whose SMS and email cancellation notices were queued (the sender stopped) and
     * lost, older than recover-after: their ids, in the order the sweep takes them (by id).
     */
    private List<String> bookingsWhoseCancellationNoticesWereLost(String... starts) {
        List<String> ids = new ArrayList<>();
        for (String start : starts) {
            ids.add(pendingBooking(start, "stripe"));
        }
        for (String id : ids) {
            Booking booking = bookings.find(id).orElseThrow();
            transactions.executeWithoutResult(status -> queueCancellationNotifications(booking));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2 * ids.size());
        takeFromTheQueue(2 * ids.size()); // every booking's messages lost
        clock.advance(Duration.ofMinutes(16));
        Collections.sort(ids);
        return ids;
    }

    /**
     * The sweep (the sender started again) queued {@code swept}'s notices, which are sent, and passed over
     * {@code passedOver}'s, still queued: the next sweep queues those, and they are sent too.
     */
    private void sentAndThePassedOverQueuedByTheNextSweep(String swept, String passedOver) {
        assertCancellationSmsAndEmailSent(swept);
        assertThat(httpGet("/api/v1/bookings/" + passedOver + "/notifications").json().get("notifications")
                .findValuesAsText("status")).containsExactly("queued", "queued"); // passed over, not given up
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        assertThat(recoverySweep()).as("the next sweep").isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(2, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(2, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
    }

    @Test
    void theRecoverySweepQueuesANotificationAgainOnlyOnce() throws Exception {
        stopTheSender();
        try {
            String id = bookingWithItsCancellationNoticesQueued();
            takeFromTheQueue(2);
            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isEqualTo(1);

            // lost again (or dead-lettered again): left for someone to look at, as the booking's notifications show
            takeFromTheQueue(2);
            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isZero();
            assertThat(queued()).isZero();
            assertThat(httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications")
                    .findValuesAsText("status")).containsExactly("queued", "queued");
        } finally {
            startNotificationSenders();
        }
    }

    @Test
    void noticesStillQueuedWhenTheirBookingMovesOnAreSkippedAndOnlyTheLatestNewsSent() throws Exception {
        stopTheSender();
        String id;
        try {
            id = confirmedStripeBooking("2026-12-02T10:00:00+01:00"); // its confirmation waits (Twilio down, say)
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            google.stub(com.github.tomakehurst.wiremock.client.WireMock.patch(urlPathEqualTo(GoogleCalendarFake.EVENTS
                    + "/" + io.connectify.hub.booking.BookingSaga.eventIdFor(id))).willReturn(okJson("{}")));
            // moved twice while everything waits: the confirmation and the first move's notice tell a wrong time
            for (String start : new String[] {"2026-12-02T14:00:00+01:00", "2026-12-03T14:00:00+01:00"}) {
                var moved = httpPost("/api/v1/bookings/" + id + "/reschedule", "{\"start\":\"" + start + "\"}");
                assertThat(moved.status()).as(moved.body()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 6);
        } finally {
            startNotificationSenders();
        }

        awaitOneSmsAndOneEmailSent(); // the last move's notice only
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        var statusesByKind = statusesByKind(id);
        assertThat(statusesByKind.get("confirmation")).containsExactly("skipped", "skipped");
        assertThat(statusesByKind.get("rescheduled")).hasSize(4);
        assertThat(statusesByKind.get("rescheduled").stream().filter("skipped"::equals)).hasSize(2);
        assertThat(java.net.URLDecoder.decode(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(MESSAGES)))
                .get(0).getBodyAsString(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("Ihr Termin wurde auf Donnerstag, 3. Dezember 2026, 14:00 (60 Min.) verschoben");
    }

    @Test
    void aMovesNoticeStillQueuedWhenItsBookingIsCancelledIsSkipped() throws Exception {
        String id = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
        awaitOneSmsAndOneEmailSent(); // the confirmation
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.patch(urlPathEqualTo(GoogleCalendarFake.EVENTS
                + "/" + io.connectify.hub.booking.BookingSaga.eventIdFor(id))).willReturn(okJson("{}")));
        stopTheSender();
        try {
            assertThat(httpPost("/api/v1/bookings/" + id + "/reschedule",
                    "{\"start\":\"2026-12-02T14:00:00+01:00\"}").status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").json().get("status").asText())
                    .isEqualTo("REFUNDED");
        } finally {
            startNotificationSenders();
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        var statusesByKind = statusesByKind(id);
        assertThat(statusesByKind.get("rescheduled")).containsExactly("skipped", "skipped");
        assertThat(statusesByKind.get("refund")).hasSize(2).doesNotContain("skipped");
    }

    @Test
    void aConfirmationStillQueuedWhenItsBookingIsCancelledIsSkippedAndTheRefundNoticeSent() throws Exception {
        stopTheSender();
        String id;
        try {
            id = confirmedStripeBooking("2026-12-02T10:00:00+01:00"); // its confirmation waits (Twilio down, say)
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            var cancelled = httpPost("/api/v1/bookings/" + id + "/cancel", "");
            assertThat(cancelled.json().get("status").asText()).isEqualTo("REFUNDED");
        } finally {
            startNotificationSenders();
        }

        awaitOneSmsAndOneEmailSent(); // the refund notice only
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        JsonNode notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
        java.util.Map<String, java.util.List<String>> statusesByKind = new java.util.TreeMap<>();
        java.util.List<String> refundReferences = new java.util.ArrayList<>();
        notifications.forEach(n -> {
            statusesByKind.computeIfAbsent(n.get("kind").asText(), k -> new java.util.ArrayList<>())
                    .add(n.get("status").asText());
            if (n.get("kind").asText().equals("refund")) {
                refundReferences.add(n.path("providerReference").asText(null));
            }
        });
        assertThat(statusesByKind.get("confirmation")).containsExactly("skipped", "skipped");
        assertThat(statusesByKind.get("refund")).hasSize(2).doesNotContain("skipped");
        assertThat(refundReferences).hasSize(2).doesNotContainNull(); // sent
        assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(MESSAGES))).get(0).getBodyAsString())
                .doesNotContain("best%C3%A4tigt"); // the German confirmation's "bestätigt"
    }

    @Test
    void aLostMovesNoticeQueuedAgainByTheRecoverySweepIsItselfAndSentOnceWhenItsDeadLetterIsReplayedToo()
            throws Exception {
        String id = movableBooking();
        List<byte[]> deadLetters;
        stopTheSender();
        try {
            moveTo(id, "2026-12-02T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            // Twilio and SendGrid down past the retries: dead letters, the queue empty, logged as queued
            deadLetters = holdBack(2);
            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isEqualTo(1);
            assertThat(queued()).isEqualTo(2);
            // the providers back: the dead letters replayed as well
            putBack(deadLetters);
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 4);
        } finally {
            startNotificationSenders();
        }

        awaitOneSmsAndOneEmailSent();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        assertThat(smsSent()).singleElement().asString().contains(MOVED_TO.formatted("Mittwoch, 2.", "14:00"));
        // sent: each reference is written once the provider answered, after the fake saw the request
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(referencesOf(id, "rescheduled")).hasSize(2).doesNotContainNull()); // the move's SMS and email, sent
    }

    @Test
    void aLaterMovesLostNoticeIsQueuedAgainByTheRecoverySweepAfterAnEarlierMovesWas() throws Exception {
        String id = movableBooking();
        stopTheSender();
        try {
            moveTo(id, "2026-12-02T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            holdBack(2); // lost
            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isEqualTo(1);
        } finally {
            startNotificationSenders();
        }
        awaitOneSmsAndOneEmailSent();
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);

        stopTheSender();
        try {
            moveTo(id, "2026-12-03T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            holdBack(2); // lost as well
            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isEqualTo(1);
            assertThat(queued()).as("the later move's notice, queued again").isEqualTo(2);
        } finally {
            startNotificationSenders();
        }

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(2, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(2, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        assertThat(smsSent()).satisfiesExactly(
                first -> assertThat(first).contains(MOVED_TO.formatted("Mittwoch, 2.", "14:00")),
                second -> assertThat(second).contains(MOVED_TO.formatted("Donnerstag, 3.", "14:00")));
        // sent: each reference is written once the provider answered, after the fake saw the request
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(referencesOf(id, "rescheduled")).hasSize(4).doesNotContainNull()); // all sent
    }

    @Test
    void aLostMovesNoticeQueuedAgainByTheRecoverySweepAfterALaterMoveIsSkipped() throws Exception {
        String id = movableBooking();
        stopTheSender();
        try {
            moveTo(id, "2026-12-02T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            holdBack(2); // lost
            clock.advance(Duration.ofMinutes(1));
            moveTo(id, "2026-12-03T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
        } finally {
            startNotificationSenders();
        }
        awaitOneSmsAndOneEmailSent(); // the later move's notice
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);

        clock.advance(Duration.ofMinutes(16));
        assertThat(recoverySweep()).isEqualTo(1); // the first move's notice, which tells of a time it no longer has

        await().atMost(Duration.ofSeconds(15)).until(() -> statusesByKind(id).get("rescheduled").stream()
                .filter("skipped"::equals).count() == 2);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        assertThat(smsSent()).singleElement().asString().contains(MOVED_TO.formatted("Donnerstag, 3.", "14:00"));
        assertThat(statusesByKind(id).get("rescheduled")).hasSize(4);
    }

    @Test
    void aMovesNoticeLostAndQueuedAgainByARepeatedPaymentEventIsItselfAndLeavesNothingUnsent() throws Exception {
        String id = movableBooking();
        String paid = StripeFake.event("evt_paid_" + id.substring(0, 8), "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", "pi_" + id.substring(0, 8)));
        stopTheSender();
        try {
            moveTo(id, "2026-12-02T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            holdBack(2); // lost
            // the payment's event again (its key recorded): what is still unsent of its booking is queued again
            assertThat(signedStripeWebhook(paid).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued() == 2);
        } finally {
            startNotificationSenders();
        }

        awaitOneSmsAndOneEmailSent();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        assertThat(referencesOf(id, "rescheduled")).hasSize(2).doesNotContainNull(); // the move's own, sent
        clock.advance(Duration.ofMinutes(16));
        assertThat(recoverySweep()).as("nothing left unsent").isZero();
        assertThat(smsSent()).singleElement().asString().contains(MOVED_TO.formatted("Mittwoch, 2.", "14:00"));
    }

    @Test
    void aMovesNoticeLoggedBeforeV16IsQueuedAgainAsItselfByTheRecoverySweep() throws Exception {
        String id = movableBooking();
        stopTheSender();
        try {
            moveTo(id, "2026-12-02T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            holdBack(2); // lost
            // the rows as a notice logged before V16 left them: no occasion, nor the start it tells of (V18)
            assertThat(jdbc.sql("UPDATE notification SET occasion = NULL, booking_start = NULL WHERE booking_id = :id "
                    + "AND kind = 'rescheduled'").param("id", id).update()).isEqualTo(2);
            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isEqualTo(1);
            assertThat(queued()).as("the move's notice, queued again").isEqualTo(2);
        } finally {
            startNotificationSenders();
        }

        awaitOneSmsAndOneEmailSent();
        assertThat(smsSent()).singleElement().asString().contains(MOVED_TO.formatted("Mittwoch, 2.", "14:00"));
        // sent: each reference is written once the provider answered, after the fake saw the request
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(referencesOf(id, "rescheduled")).hasSize(2).doesNotContainNull()); // the logged rows, sent
    }

    @Test
    void aNoticeWhoseRecipientWasEditedSinceIsQueuedAgainByARepeatToTheRecipientItWasLoggedFor() throws Exception {
        // the customer's phone and email edited since (by hand: no API changes them)
        String id = confirmedWithItsNoticesLostThenItsEventRepeated(lost -> jdbc.sql("UPDATE booking SET "
                + "customer_phone = '+41797654321', customer_email = 'jane@example.com' WHERE id = :id")
                .param("id", lost).update());

        awaitOneSmsAndOneEmailSent();
        assertThat(smsSent()).singleElement().asString().contains("To=+41791234567").doesNotContain("+41797654321");
        assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(MAIL_SEND))).get(0).getBodyAsString())
                .contains("john@example.com").doesNotContain("jane@example.com");
        JsonNode notifications = httpGet("/api/v1/bookings/" + id + "/notifications").json().get("notifications");
        assertThat(notifications.findValuesAsText("to")).containsExactlyInAnyOrder("+41791234567", "john@example.com");
        assertThat(notifications.findValuesAsText("providerReference")).hasSize(2).doesNotContainNull();
    }

    @Test
    void aConfirmationQueuedAgainAfterAMoveTellsTheTimeItWasPlannedForAndIsSkippedForTheMovesNotice()
            throws Exception {
        String id = confirmationLostThenMoved();
        List<byte[]> requeued;
        stopTheSender();
        try {
            clock.advance(Duration.ofMinutes(16));
            assertThat(recoverySweep()).isEqualTo(1); // the confirmation
            requeued = holdBack(2);
            putBack(requeued);
        } finally {
            startNotificationSenders();
        }

        // the confirmation as it was planned: 10:00, the start it told of, not the booking's 14:00 now
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (byte[] message : requeued) {
            Notification n = json.readValue(message, Notification.class);
            assertThat(n.kind()).isEqualTo("confirmation");
            assertThat(n.start()).isEqualTo("2026-12-02T09:00:00Z");
            assertThat(n.body()).contains("10:00").doesNotContain("14:00");
        }
        // so the sender finds it outdated, as its original message: the move's notice told the new time
        await().atMost(Duration.ofSeconds(15)).until(() -> statusesByKind(id).get("confirmation")
                .equals(List.of("skipped", "skipped")));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        assertThat(smsSent()).singleElement().asString().contains(MOVED_TO.formatted("Mittwoch, 2.", "14:00"));
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
    }

    /**
     * A confirmation logged before V18 (no start told of) whose booking moved since cannot be queued again as itself;
     * the sender would skip it all the same (it told the old time, the move's notice the new one): the sweep records
     * it skipped (superseded), as the sender does, and neither marks its booking nor counts it. Before, a person was
     * asked to "send it by hand", which would tell the customer the old time.
     */
    @Test
    void aConfirmationLoggedBeforeV18WhoseBookingMovedSinceIsRecordedSupersededNeitherMarkedNorCounted()
            throws Exception {
        String id = confirmationLostThenMovedLoggedBeforeV18();
        double requeuedBefore = meters.counter("connectify.notifications.requeued").count();
        double smsBefore = unrecoverableScraped("SMS");
        double emailBefore = unrecoverableScraped("EMAIL");
        clock.advance(Duration.ofMinutes(16));

        List<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ArrayList<>();
        assertThat(io.connectify.hub.support.LogLines.onThisThread(logged, this::recoverySweep)).isZero();
        assertThat(logged.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)).hasSize(2)
                .allSatisfy(w -> assertThat(w).contains(id).contains("not queued again")
                        .doesNotContain("+41791234567").doesNotContain("john@example.com"));
        assertThat(queued()).isZero();
        assertThat(meters.counter("connectify.notifications.requeued").count()).isEqualTo(requeuedBefore);
        assertThat(jdbc.sql("SELECT status || ' ' || error_code FROM notification WHERE booking_id = :id AND kind = "
                + "'confirmation'").param("id", id).query(String.class).list())
                .containsExactly("skipped superseded", "skipped superseded");
        assertThat(attentionOrNull(id)).isNull();
        assertThat(unrecoverableScraped("SMS")).isEqualTo(smsBefore);
        assertThat(unrecoverableScraped("EMAIL")).isEqualTo(emailBefore);

        clock.advance(Duration.ofMinutes(16));
        assertThat(recoverySweep()).isZero(); // nothing left to look at
        assertThat(attentionOrNull(id)).isNull();
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES))); // the move's notice only
    }

    /**
     * A confirmation logged before V18 (no start told of), then a move of its booking logged with its start (since
     * V18) by an instance whose clock is behind: the move's time reads a second before the confirmation's. The move
     * came after it all the same (logged with its start, since V18): the confirmation is recorded skipped
     * (superseded), as when the clocks agree, and only the move's notice is sent. Before, the times decided: the move
     * looked earlier, and the confirmation was queued again telling the moved time, a second SMS and email.
     */
    @Test
    void aMoveLoggedWithItsStartCountsAsLaterThanAConfirmationLoggedBeforeV18WhateverTheClocks() throws Exception {
        String id = confirmationLostThenMovedLoggedBeforeV18();
        java.time.OffsetDateTime confirmed = jdbc.sql("SELECT MAX(created_at) FROM notification WHERE booking_id = :id "
                + "AND kind = 'confirmation'").param("id", id).query(java.time.OffsetDateTime.class).single();
        jdbc.sql("UPDATE notification SET created_at = :at WHERE booking_id = :id AND kind = 'rescheduled'")
                .param("id", id).param("at", confirmed.minusSeconds(1)).update();
        clock.advance(Duration.ofMinutes(16));

        assertThat(recoverySweep()).isZero();

        assertThat(queued()).isZero();
        assertThat(jdbc.sql("SELECT status || ' ' || error_code FROM notification WHERE booking_id = :id AND kind = "
                + "'confirmation'").param("id", id).query(String.class).list())
                .containsExactly("skipped superseded", "skipped superseded");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES))); // the move's notice only
        notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        assertThat(attentionOrNull(id)).isNull();
    }

    /**
     * A notice of a kind no move supersedes (a cancellation) logged before V18, a move of its booking logged after it:
     * it cannot be queued again as itself, and it is still true. No path of the hub leaves that today (a booking is
     * moved only while confirmed, and cancelled for good), so the rows are made so here, as a mark's case: warned of,
     * its booking marked for a person and each counted, once, left queued; a later sweep that finds it again with
     * another of its kind marks and counts nothing.
     */
    @Test
    void aStillTrueNoticeTheSweepCannotQueueAgainIsMarkedAndCountedOnceNotAgainWhenALaterSweepFindsIt()
            throws Exception {
        String id = confirmationLostThenMovedLoggedBeforeV18();
        jdbc.sql("UPDATE notification SET kind = 'cancellation' WHERE booking_id = :id AND kind = 'confirmation'")
                .param("id", id).update();
        jdbc.sql("UPDATE booking SET status = 'CANCELLED' WHERE id = :id").param("id", id).update();
        double smsBefore = unrecoverableScraped("SMS");
        double emailBefore = unrecoverableScraped("EMAIL");
        clock.advance(Duration.ofMinutes(16));

        assertThat(recoverySweep()).isZero();
        assertThat(queued()).isZero();
        assertThat(statusesByKind(id).get("cancellation")).containsExactly("queued", "queued"); // for someone to see
        assertThat(attentionOf(id).get("note").asText()).isEqualTo("its cancellation notice by SMS and email was lost "
                + "and cannot be queued again: send it by hand or tell the customer");
        assertThat(unrecoverableScraped("SMS")).isEqualTo(smsBefore + 1);
        assertThat(unrecoverableScraped("EMAIL")).isEqualTo(emailBefore + 1);
        clearAttention(id);
        // another cancellation of the booking logged since with the start it told of (an operator's copy), its
        // message lost as well: the next sweep takes up the booking's cancellations again, the two among them
        jdbc.sql("INSERT INTO notification (id, booking_id, kind, occasion, booking_start, channel, recipient, status, "
                        + "created_at, updated_at) VALUES (:copy, :id, 'cancellation', NULL, :start, 'SMS', "
                        + "'+41790000000', 'queued', :now, :now)")
                .param("copy", java.util.UUID.randomUUID().toString()).param("id", id)
                .param("start", java.time.OffsetDateTime.parse("2026-12-02T13:00:00Z"))
                .param("now", clock.instant().atOffset(java.time.ZoneOffset.UTC)).update();
        clock.advance(Duration.ofMinutes(16));

        assertThat(recoverySweep()).isEqualTo(1); // the copy, queued again
        assertThat(attentionOrNull(id)).isNull();
        assertThat(unrecoverableScraped("SMS")).isEqualTo(smsBefore + 1);
        assertThat(unrecoverableScraped("EMAIL")).isEqualTo(emailBefore + 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> jdbc.sql("SELECT recipient FROM notification WHERE "
                + "booking_id = :id AND provider_reference IS NOT NULL AND kind = 'cancellation'").param("id", id)
                .query(String.class).list().equals(List.of("+41790000000")));
    }

    /**
     * A booking moved and then cancelled (refunded) at the same moment by the clock, the notices of both lost, the
     * refund notice's rows as logged before V18 (without the start they told of): the recovery sweep queues the refund
     * notice again as itself and it is sent, telling the moved time; the move's notice is skipped (superseded). Nothing
     * moves a refunded booking, so the move logged at that moment came before the refund. Before, the times could not
     * say which came last and the move counted as logged after it: the refund notice was left unsent, its booking
     * marked for a person ("send it by hand") and counted as unrecoverable.
     */
    @Test
    void aRefundNoticeLoggedAtTheSameMomentAsItsBookingsMoveIsQueuedAgainNotLeftForAPerson() throws Exception {
        String id = movableBooking();
        double smsBefore = unrecoverableScraped("SMS");
        double emailBefore = unrecoverableScraped("EMAIL");
        stopTheSender();
        try {
            moveTo(id, "2026-12-02T14:00:00+01:00"); // the clock stands still: the move and the cancel at one instant
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").json().get("status").asText())
                    .isEqualTo("REFUNDED");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 4);
            takeFromTheQueue(4); // lost
        } finally {
            startNotificationSenders();
        }
        assertThat(jdbc.sql("SELECT COUNT(DISTINCT created_at) FROM notification WHERE booking_id = :id AND kind IN "
                + "('rescheduled', 'refund')").param("id", id).query(Integer.class).single()).isEqualTo(1);
        jdbc.sql("UPDATE notification SET booking_start = NULL WHERE booking_id = :id AND kind = 'refund'")
                .param("id", id).update();
        clock.advance(Duration.ofMinutes(16));

        assertThat(recoverySweep()).isEqualTo(2); // the move's notice and the refund notice, each as itself

        awaitOneSmsAndOneEmailSent(); // the refund notice only
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        assertThat(statusesByKind(id).get("rescheduled")).containsExactly("skipped", "skipped");
        assertThat(referencesOf(id, "refund")).hasSize(2).doesNotContainNull();
        assertThat(smsSent()).singleElement().asString().contains("14:00");
        assertThat(attentionOrNull(id)).isNull();
        assertThat(unrecoverableScraped("SMS")).isEqualTo(smsBefore);
        assertThat(unrecoverableScraped("EMAIL")).isEqualTo(emailBefore);
    }

    /** A booking gone: its notices that cannot be queued again are counted, with no booking to mark. */
    @Test
    void theNoticesOfABookingGoneAreCountedAsUnrecoverable() throws Exception {
        String id = confirmationLostThenMovedLoggedBeforeV18();
        jdbc.sql("DELETE FROM booking WHERE id = :id").param("id", id).update();
        double smsBefore = unrecoverableScraped("SMS");
        double emailBefore = unrecoverableScraped("EMAIL");
        clock.advance(Duration.ofMinutes(16));

        assertThat(recoverySweep()).isZero();
        assertThat(jdbc.sql("SELECT status FROM notification WHERE booking_id = :id AND kind = 'confirmation'")
                .param("id", id).query(String.class).list()).containsExactly("queued", "queued");
        assertThat(unrecoverableScraped("SMS")).isEqualTo(smsBefore + 1);
        assertThat(unrecoverableScraped("EMAIL")).isEqualTo(emailBefore + 1);
    }

    /** {@link #confirmationLostThenMoved}, its confirmation's rows as logged before V18: without the start told of. */
    private String confirmationLostThenMovedLoggedBeforeV18() throws Exception {
        String id = confirmationLostThenMoved();
        jdbc.sql("UPDATE notification SET booking_start = NULL WHERE booking_id = :id AND kind = 'confirmation'")
                .param("id", id).update();
        return id;
    }

    /** connectify_notifications_unrecoverable_total of a channel, as scraped. */
    private double unrecoverableScraped(String channel) {
        var counter = java.util.regex.Pattern.compile("(?m)^connectify_notifications_unrecoverable_total\\{[^}]*"
                + "channel=\"" + channel + "\"[^}]*} (\\S+)$").matcher(httpGet("/actuator/prometheus", null).body());
        assertThat(counter.find()).as("connectify_notifications_unrecoverable_total{channel=%s} scraped", channel)
                .isTrue();
        return Double.parseDouble(counter.group(1));
    }

    /**
     * A booking confirmed at 10:00 whose confirmation's messages were lost, then moved to 14:00, the move's notice
     * sent; the queue empty. The booking's id.
     */
    private String confirmationLostThenMoved() throws Exception {
        stopTheSender();
        String id;
        try {
            id = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
            takeFromTheQueue(2); // lost
            google.stub(com.github.tomakehurst.wiremock.client.WireMock.patch(urlPathEqualTo(GoogleCalendarFake.EVENTS
                    + "/" + io.connectify.hub.booking.BookingSaga.eventIdFor(id))).willReturn(okJson("{}")));
            clock.advance(Duration.ofMinutes(1));
            moveTo(id, "2026-12-02T14:00:00+01:00");
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2);
        } finally {
            startNotificationSenders();
        }
        awaitOneSmsAndOneEmailSent(); // the move's notice
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        return id;
    }

    @Test
    void aLatePaymentEventOfABookingWhoseRefundFailedSendsNoCancellationNotice() {
        String id = confirmedStripeBooking(START);
        awaitOneSmsAndOneEmailSent(); // the confirmation
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").json().get("status").asText())
                .isEqualTo("REFUNDED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> { // the refund notice
            notify.twilio().verify(2, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(2, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
        String payment = "pi_" + id.substring(0, 8);
        assertThat(signedStripeWebhook(StripeFake.event("evt_refund_failed_" + id.substring(0, 8), "refund.updated",
                """
                {"id":"re_123","object":"refund","amount":9000,"currency":"chf","payment_intent":"%s",
                 "reason":"requested_by_customer","status":"failed","failure_reason":"expired_or_canceled_card",
                 "metadata":{}}""".formatted(payment))).status()).isEqualTo(200); // the hub's refund (StripeFake's id)
        awaitStatus(id, "CANCELLED");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> { // the notice that the refund failed
            notify.twilio().verify(3, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(3, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });

        // an operator replays an old dead letter of its payment's event: processed again
        String key = "stripe:evt_paid_" + id.substring(0, 8);
        redeliver(StripeFake.event("evt_paid_" + id.substring(0, 8), "checkout.session.completed",
                StripeFake.checkoutSession(id, "paid", payment)));
        await().atMost(Duration.ofSeconds(10)).until(() -> recorded(key));

        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        assertThat(statusesByKind(id)).containsOnlyKeys("confirmation", "refund", "refund-failed");
        notify.twilio().verify(3, postRequestedFor(urlPathEqualTo(MESSAGES)));
        notify.sendGrid().verify(3, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        assertThat(status(id)).isEqualTo("CANCELLED");
    }

    /** The German SMS of a move: its day and time. */
    private static final String MOVED_TO = "Ihr Termin wurde auf %s Dezember 2026, %s (60 Min.) verschoben";

    /** A confirmed booking whose confirmation was sent and whose calendar event can be moved; the fakes reset. */
    private String movableBooking() {
        String id = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
        awaitOneSmsAndOneEmailSent(); // the confirmation
        await().atMost(Duration.ofSeconds(15)).until(() -> notificationsWaiting() == 0);
        google.stub(com.github.tomakehurst.wiremock.client.WireMock.patch(urlPathEqualTo(GoogleCalendarFake.EVENTS
                + "/" + io.connectify.hub.booking.BookingSaga.eventIdFor(id))).willReturn(okJson("{}")));
        notify.reset();
        return id;
    }

    private void moveTo(String bookingId, String start) {
        var moved = httpPost("/api/v1/bookings/" + bookingId + "/reschedule", "{\"start\":\"" + start + "\"}");
        assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    }

    /** The SMS Twilio was asked to send, in order, their form bodies decoded. */
    private List<String> smsSent() {
        return notify.twilio().findAll(postRequestedFor(urlPathEqualTo(MESSAGES))).stream()
                .map(r -> java.net.URLDecoder.decode(r.getBodyAsString(), java.nio.charset.StandardCharsets.UTF_8))
                .toList();
    }

    /** The provider references of a booking's notifications of one kind (null: not sent). */
    private List<String> referencesOf(String bookingId, String kind) {
        return jdbc.sql("SELECT provider_reference FROM notification WHERE booking_id = :id AND kind = :kind")
                .param("id", bookingId).param("kind", kind).query(String.class).list();
    }

    /** Takes messages off the channels' queues and keeps their bodies: dead letters, for {@link #putBack}. */
    private List<byte[]> holdBack(int messages) throws jakarta.jms.JMSException {
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            var message = receiveQueued();
            assertThat(message).isNotNull();
            if (message instanceof jakarta.jms.TextMessage text) {
                held.add(text.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                var bytes = (jakarta.jms.BytesMessage) message;
                byte[] body = new byte[(int) bytes.getBodyLength()];
                bytes.readBytes(body);
                held.add(body);
            }
        }
        return held;
    }

    /** The dead letters held back, replayed to the earlier versions' queue (forwarded by channel once it runs). */
    private void putBack(List<byte[]> held) {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        for (byte[] body : held) {
            jms.send(QUEUE, session -> {
                var message = session.createBytesMessage();
                message.writeBytes(body);
                return message;
            });
        }
    }

    @Test
    void aQueuedNotificationWhoseSendFailsIsAudited() throws Exception {
        // no other test's notification waits or is being sent (an earlier class's email arrived here once)
        stopTheSender();
        startNotificationSenders();
        notify.reset();
        notify.twilio().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo(MESSAGES))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(500)));
        int before = failedTwilioCalls();

        confirmedStripeBooking(START);

        // the send failed inside the notification's transaction, which rolled back; its audit record did not
        await().atMost(Duration.ofSeconds(15)).until(() -> failedTwilioCalls() > before);
        // (the email goes out meanwhile: nothing of this test is left in the queue for the next one)
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND))));
    }

    private int failedTwilioCalls() {
        // Twilio's calls, not its status callbacks (audited too, as webhook rows)
        return jdbc.sql("SELECT COUNT(*) FROM integration_audit WHERE provider = 'twilio' AND outcome <> 'ok' "
                        + "AND operation NOT LIKE 'webhook%'")
                .query(Integer.class).single();
    }

    /** The broker's redelivery of an event whose key was never recorded. */
    private void redeliver(String payload) {
        jdbc.sql("DELETE FROM CAMEL_MESSAGEPROCESSED").update();
        assertThat(signedStripeWebhook(payload).status()).isEqualTo(200);
    }

    /** As booking-notify is called by the saga and the API's cancel: a booking and the kind of its notifications. */
    private void queueCancellationNotifications(Booking booking) {
        producer.sendBodyAndHeader("direct:booking-notify", booking, NotificationPlanner.KIND, "cancellation");
    }

    /** A browse on a thread of its own, outside the caller's transaction and the broker session bound to it. */
    private int queuedSeenFromAnotherThread() {
        return CompletableFuture.supplyAsync(this::queued).join();
    }

    /**
     * Stops the notifications' senders: no other test's notification waits or is being delivered (HubTestBase waits for the
     * queue before each test), so every message queued from here on stays on the queue until it starts again.
     */
    private void stopTheSender() throws Exception {
        stopNotificationSenders();
    }

    /** Takes messages off the notifications queue: their notifications stay logged as queued, their messages lost. */
    private void takeFromTheQueue(int messages) {
        for (int i = 0; i < messages; i++) {
            assertThat(receiveQueued()).isNotNull();
        }
    }

    private void assertCancellationSmsAndEmailSent(String bookingId) {
        awaitOneSmsAndOneEmailSent();
        JsonNode notifications = httpGet("/api/v1/bookings/" + bookingId + "/notifications").json()
                .get("notifications");
        assertThat(notifications.findValuesAsText("kind")).containsExactly("cancellation", "cancellation");
        assertThat(notifications.findValuesAsText("providerReference")).doesNotContainNull();
    }

    private void awaitOneSmsAndOneEmailSent() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            notify.twilio().verify(1, postRequestedFor(urlPathEqualTo(MESSAGES)));
            notify.sendGrid().verify(1, postRequestedFor(urlPathEqualTo(MAIL_SEND)));
        });
    }

    /** One sweep of the route notification-recover; answers how many bookings' notifications it queued again. */
    private int recoverySweep() {
        return producer.requestBody("direct:notification-recover", null, Integer.class);
    }

    private boolean recorded(String eventKey) {
        return jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = :key").param("key", eventKey)
                .query(Integer.class).single() == 1;
    }

    private int notificationsOf(String bookingId) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id").param("id", bookingId)
                .query(Integer.class).single();
    }

    /** The statuses of a booking's notifications, by kind, as its API lists them. */
    private java.util.Map<String, java.util.List<String>> statusesByKind(String bookingId) {
        java.util.Map<String, java.util.List<String>> statuses = new java.util.TreeMap<>();
        httpGet("/api/v1/bookings/" + bookingId + "/notifications").json().get("notifications").forEach(n ->
                statuses.computeIfAbsent(n.get("kind").asText(), k -> new java.util.ArrayList<>())
                        .add(n.get("status").asText()));
        return statuses;
    }

    /** Messages waiting in the channels' queues and the earlier versions' one (where {@link #putBack} puts them). */
    private int queued() {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        return java.util.stream.Stream.concat(CHANNEL_QUEUES.stream(), java.util.stream.Stream.of(QUEUE))
                .mapToInt(queue -> jms.browse(queue, (session, browser) ->
                Collections.list(browser.getEnumeration()).size())).sum();
    }

    /** A message taken off either channel's queue; null when neither has one within a few seconds. */
    private jakarta.jms.Message receiveQueued() {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(100);
        long until = System.currentTimeMillis() + 3000;
        do {
            for (String queue : CHANNEL_QUEUES) {
                var message = jms.receive(queue);
                if (message != null) {
                    return message;
                }
            }
        } while (System.currentTimeMillis() < until);
        return null;
    }

    /**
     * A Stripe booking confirmed with its two notices logged and their messages then lost (the state a crash between
     * the event key's commit and the broker's leaves: the key recorded, the notifications logged, their messages gone
     * with the rolled-back acknowledgement); {@code meanwhile} (given the booking's id), then its payment event
     * delivered again, which queues the two again. The sender runs again on return.
     */
    private String confirmedWithItsNoticesLostThenItsEventRepeated(java.util.function.Consumer<String> meanwhile)
            throws Exception {
        stopTheSender();
        try {
            String id = confirmedStripeBooking(START);
            String key = "stripe:evt_paid_" + id.substring(0, 8);
            await().atMost(Duration.ofSeconds(5)).until(() -> queued() == 2 && recorded(key));
            takeFromTheQueue(2);
            meanwhile.accept(id);
            assertThat(signedStripeWebhook(StripeFake.event("evt_paid_" + id.substring(0, 8),
                    "checkout.session.completed", StripeFake.checkoutSession(id, "paid", "pi_" + id.substring(0, 8))))
                    .status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> queued() == 2);
            return id;
        } finally {
            startNotificationSenders();
        }
    }
}
