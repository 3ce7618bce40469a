package io.connectify.hub.notification;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.TwilioMessageStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The SMS send's database work on PostgreSQL, where it matters most: the lookup of an SMS whose answer was lost checks
 * the SIDs recorded in a transaction of its own (a failed statement aborts a PostgreSQL transaction), and a status
 * callback that comes while the send's SID is not yet committed (the SID commit race) is applied once it is. Each
 * interleaving forced: the send held before its commit, the callback's park held by the test's own connection.
 */
class PostgresNotificationTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final String TO = "+41791234567";

    private static DataSource dataSource;
    private static JdbcClient jdbc;
    private static TransactionTemplate transactions;
    private static TwilioMessageStore twilio;
    private static WireMockServer twilioServer;
    private static TwilioRestClient twilioClient;
    private static ExecutorService threads;
    private MeterRegistry meters;
    private NotificationLog log;

    @BeforeAll
    static void migrate() {
        dataSource = postgres.dataSource(); // one DataSource: the JdbcClient's statements join the transactions
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        jdbc = JdbcClient.create(dataSource);
        transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        twilio = new TwilioMessageStore(NotificationFakes.ACCOUNT_SID, NotificationFakes.FROM);
        twilioServer = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().extensions(twilio));
        twilioServer.start();
        twilioServer.stubFor(get(urlPathEqualTo(NotificationFakes.MESSAGES))
                .willReturn(aResponse().withTransformers(TwilioMessageStore.NAME)));
        twilioClient = new TwilioRestClient.Builder(NotificationFakes.API_KEY_SID, NotificationFakes.API_KEY_SECRET)
                .accountSid(NotificationFakes.ACCOUNT_SID)
                .httpClient(new RetargetedTwilioHttpClient(twilioServer.baseUrl(), Duration.ofSeconds(2),
                        Duration.ofSeconds(5)))
                .build();
        threads = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stop() {
        threads.shutdownNow();
        twilioServer.stop();
    }

    @BeforeEach
    void freshLog() {
        twilio.reset();
        meters = new SimpleMeterRegistry();
        log = new NotificationLog(jdbc, Clock.systemUTC(), meters);
    }

    /**
     * As NotificationTest.anSmsTwilioTookWhoseAnswerWasLostIsFoundAndRecordedNotSentAgain, on PostgreSQL: the lookup,
     * run in the send's transaction that holds the notification's row lock, finds the one SMS of the same text no
     * notification has recorded (another's, committed, is left out), and the send records it and commits.
     */
    @Test
    void anSmsWhoseAnswerWasLostIsFoundAndRecordedInTheSendsTransactionOnPostgres() {
        Instant firstAttempt = Instant.now();
        String anothers = twilio.storeSent(TO, NotificationFakes.FROM, "Hello", firstAttempt.minusSeconds(1));
        Notification recordedBefore = sms("Hello");
        log.queued(recordedBefore);
        log.sent(new SentNotification(recordedBefore.id(), "SMS", anothers, "sent"));
        String taken = twilio.storeSent(TO, NotificationFakes.FROM, "Hello", firstAttempt); // its answer lost
        Notification n = sms("Hello");
        log.queued(n);
        var lookup = lookup(log);

        Object found = transactions.execute(status -> {
            assertThat(log.lockUnsent(n)).isTrue();
            Message message = (Message) lookup.find(sendOf(n), new io.connectify.hub.resilience.LostAnswerMark(firstAttempt));
            log.sent(new SentNotification(n.id(), "SMS", message.getSid(), "queued"));
            return message.getSid();
        });

        assertThat(found).isEqualTo(taken);
        assertThat(providerReference(n)).isEqualTo(taken);
        assertThat(meters.counter("connectify.notifications.found.after.lost.answer", "channel", "SMS").count())
                .isEqualTo(1);
    }

    /**
     * As NotificationTest.anSmsWhoseLookupFailsIsSentAgainAsBefore, on PostgreSQL, with the lookup's check of the SIDs
     * recorded failing at the database: the lookup fails (the SMS is sent again), and the send's transaction, which
     * the failed statement did not abort (it ran in the lookup's own), records the SMS sent again and commits. In the
     * send's transaction, PostgreSQL would refuse every statement after it: the SMS sent, never recorded.
     */
    @Test
    void aLookupWhoseDatabaseCheckFailsLeavesTheSendsTransactionToRecordTheSmsSentAgainOnPostgres() {
        Instant firstAttempt = Instant.now();
        twilio.storeSent(TO, NotificationFakes.FROM, "Hello again", firstAttempt); // its answer lost
        NotificationLog failingCheck = new NotificationLog(jdbc, Clock.systemUTC(), meters) {
            @Override
            public Set<String> recorded(Collection<String> providerReferences) {
                jdbc.sql("SELECT 1 / 0").query(Integer.class).single(); // division_by_zero: the statement fails
                return super.recorded(providerReferences);
            }
        };
        Notification n = sms("Hello again");
        log.queued(n);
        var lookup = lookup(failingCheck);

        transactions.executeWithoutResult(status -> {
            assertThat(log.lockUnsent(n)).isTrue();
            assertThatThrownBy(() -> lookup.find(sendOf(n), new io.connectify.hub.resilience.LostAnswerMark(firstAttempt)))
                    .hasRootCauseMessage("ERROR: division by zero");
            String again = twilio.storeSent(TO, NotificationFakes.FROM, "Hello again", Instant.now()); // sent again
            log.sent(new SentNotification(n.id(), "SMS", again, "queued"));
        });

        assertThat(providerReference(n)).isEqualTo(twilio.messages().get(1).get("sid"));
    }

    /**
     * The SID commit race, on PostgreSQL: a status callback that comes while the send has written its SID but not
     * committed it finds no notification of that SID (nor waits for the send's row) and parks; the send, once
     * committed, applies it: delivered, nothing left parked.
     */
    @Test
    void aStatusCallbackWhileTheSidIsUncommittedIsParkedAndAppliedOnceItCommitsOnPostgres() throws Exception {
        String sid = "SM" + "d".repeat(32);
        Notification n = sms("Hello callback");
        var send = new HeldSend(n, sid);

        CompletableFuture<Void> sending = CompletableFuture.runAsync(send::run, threads);
        assertThat(send.written.await(10, TimeUnit.SECONDS)).as("the SID written, its commit held").isTrue();
        CompletableFuture.runAsync(() -> log.status(sid, "delivered", null), threads).get(10, TimeUnit.SECONDS);
        assertThat(parked(sid)).as("parked while the SID is uncommitted").isEqualTo(1);
        assertThat(status(n)).isEqualTo("queued");
        send.commit.countDown();
        sending.get(10, TimeUnit.SECONDS);

        assertThat(status(n)).isEqualTo("delivered");
        assertThat(providerReference(n)).isEqualTo(sid);
        assertThat(parked(sid)).isZero();
    }

    /**
     * The SID commit race's narrowest interleaving, on PostgreSQL: the callback found the SID unknown, but its park
     * commits only after the send committed and looked for parked callbacks (finding none). The callback's own look
     * after its park, the SID then committed, applies it: a final status is never left parked.
     */
    @Test
    void aStatusCallbackParkedOnlyAfterTheSendLookedForItIsAppliedByTheCallbackOnPostgres() throws Exception {
        String sid = "SM" + "e".repeat(32);
        Notification n = sms("Hello late park");
        var send = new HeldSend(n, sid);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(send::run, threads);
        assertThat(send.written.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> callback;
        try (Connection holder = dataSource.getConnection()) {
            // the same callback's park, uncommitted on the test's connection: the callback's INSERT waits on its key
            holder.setAutoCommit(false);
            try (var park = holder.prepareStatement("INSERT INTO notification_callback (provider_reference, status, "
                    + "received_at) VALUES (?, 'undelivered', CURRENT_TIMESTAMP)")) {
                park.setString(1, sid);
                park.executeUpdate();
            }
            callback = CompletableFuture.runAsync(() -> log.status(sid, "undelivered", "30005"), threads);
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnALock("INSERT INTO notification_callback"));
            send.commit.countDown();
            sending.get(10, TimeUnit.SECONDS); // committed, and its look for parked callbacks found none
            assertThat(status(n)).isEqualTo("queued");
            holder.rollback(); // the callback's park goes through now
        }
        callback.get(10, TimeUnit.SECONDS);

        assertThat(status(n)).isEqualTo("undelivered");
        assertThat(parked(sid)).isZero();
        assertThat(meters.counter("connectify.notifications.failed", "channel", "SMS", "status", "undelivered",
                "reason", "delivery")
                .count()).isEqualTo(1);
    }

    /**
     * A send whose commit fails after Twilio took the SMS, on PostgreSQL: its start was committed in a transaction of
     * its own while the send held the notification's row lock (a row of its own, no foreign key: no wait on that lock,
     * no deadlock), and the next send takes it, the outcome missing, as a lost answer: its call is told to look the SMS
     * up from that start on. The next send after a recorded outcome is told nothing.
     */
    @Test
    void aSendWhoseCommitFailedIsTakenAsALostAnswerByTheNextSendOnPostgres() {
        Notification n = sms("Hello commit");
        log.queued(n);
        var marks = new java.util.ArrayList<io.connectify.hub.resilience.LostAnswerMark>();
        ProducerTemplate dispatch = mock(ProducerTemplate.class);
        when(dispatch.send(eq("direct:notification-dispatch"), any(Processor.class))).thenAnswer(call -> {
            Exchange sent = new DefaultExchange(new DefaultCamelContext());
            ((Processor) call.getArgument(1)).process(sent);
            marks.add(sent.getProperty(io.connectify.hub.resilience.ProviderCalls.LOST_ANSWER,
                    io.connectify.hub.resilience.LostAnswerMark.class));
            if (marks.size() == 1) {
                TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                    @Override
                    public void beforeCommit(boolean readOnly) {
                        throw new IllegalStateException("the commit failed (injected)");
                    }
                });
            }
            sent.getMessage().setBody(new SentNotification(n.id(), "SMS", "SM" + "b".repeat(32), "queued"));
            return sent;
        });
        NotificationPlanner planner = mock(NotificationPlanner.class);
        when(planner.asSentNow(any())).thenAnswer(call -> call.getArgument(0));
        var delivery = new NotificationDelivery(log, planner, transactions, dispatch,
                mock(io.connectify.hub.resilience.ProviderResilience.class),
                mock(io.connectify.hub.booking.BookingRepository.class), Clock.systemUTC());
        Instant before = Instant.now();

        assertThatThrownBy(() -> delivery.sendOnce(n)).hasMessageContaining("the commit failed");
        assertThat(status(n)).isEqualTo("queued");
        assertThat(marks.get(0).since()).as("the first send knew of no lost answer").isNull();
        delivery.sendOnce(n);

        assertThat(marks.get(1).since()).as("looked up from the first send's start").isNotNull()
                .isBetween(before, Instant.now());
        assertThat(marks.get(1).answersLost()).isEqualTo(1);
        assertThat(providerReference(n)).isEqualTo("SM" + "b".repeat(32));
    }

    /**
     * NotificationDelivery's send of {@code n}, Twilio answering {@code sid}, held after its SID is written (in the
     * send's transaction) until {@link #commit} is counted down.
     */
    private final class HeldSend implements Runnable {

        final CountDownLatch written = new CountDownLatch(1);
        final CountDownLatch commit = new CountDownLatch(1);
        private final NotificationDelivery delivery;
        private final Notification n;

        HeldSend(Notification n, String sid) {
            this.n = n;
            ProducerTemplate dispatch = mock(ProducerTemplate.class);
            // as NotificationDelivery sends it: the notification and its lost-answer mark on the exchange
            when(dispatch.send(eq("direct:notification-dispatch"), any(Processor.class)))
                    .thenAnswer(call -> {
                        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                            @Override
                            public void beforeCommit(boolean readOnly) {
                                written.countDown(); // log.sent has written the SID, uncommitted
                                await(commit);
                            }
                        });
                        Exchange answered = new DefaultExchange(new DefaultCamelContext());
                        answered.getMessage().setBody(new SentNotification(n.id(), "SMS", sid, "queued"));
                        return answered;
                    });
            // an SMS of no kind: sent as it is (only a payment-mismatch notice is rendered again as it is sent)
            NotificationPlanner planner = mock(NotificationPlanner.class);
            when(planner.asSentNow(any())).thenAnswer(call -> call.getArgument(0));
            this.delivery = new NotificationDelivery(log, planner, transactions, dispatch,
                    mock(io.connectify.hub.resilience.ProviderResilience.class),
                    mock(io.connectify.hub.booking.BookingRepository.class), Clock.systemUTC());
        }

        @Override
        public void run() {
            log.queued(n);
            delivery.sendOnce(n);
        }

        private static void await(CountDownLatch latch) {
            try {
                if (!latch.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private TwilioMessageLookup lookup(NotificationLog notifications) {
        var connection = new TwilioConnection(true, twilioServer.baseUrl(), NotificationFakes.ACCOUNT_SID,
                NotificationFakes.API_KEY_SID, NotificationFakes.API_KEY_SECRET, NotificationFakes.AUTH_TOKEN,
                () -> NotificationFakes.PUBLIC_BASE_URL);
        var properties = new TwilioProperties(NotificationFakes.ACCOUNT_SID, NotificationFakes.API_KEY_SID,
                NotificationFakes.API_KEY_SECRET, NotificationFakes.AUTH_TOKEN, NotificationFakes.FROM, null, null,
                NotificationFakes.PUBLIC_BASE_URL, twilioServer.baseUrl(), Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        return new TwilioMessageLookup(twilioClient, connection, properties, notifications, meters, transactions);
    }

    /** The send's request as camel-twilio's producer is given it. */
    private static Exchange sendOf(Notification n) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setHeader("CamelTwilio.to", new PhoneNumber(n.to()));
        exchange.getMessage().setHeader("CamelTwilio.from", new PhoneNumber(NotificationFakes.FROM));
        exchange.getMessage().setHeader("CamelTwilio.body", n.body());
        return exchange;
    }

    private static Notification sms(String body) {
        return new Notification(UUID.randomUUID().toString(), Notification.Channel.SMS, TO, null, body, false, null,
                null, null);
    }

    private static String providerReference(Notification n) {
        return jdbc.sql("SELECT provider_reference FROM notification WHERE id = :id").param("id", n.id())
                .query(String.class).single();
    }

    private static String status(Notification n) {
        return jdbc.sql("SELECT status FROM notification WHERE id = :id").param("id", n.id()).query(String.class)
                .single();
    }

    private static int parked(String sid) {
        return jdbc.sql("SELECT COUNT(*) FROM notification_callback WHERE provider_reference = :sid").param("sid", sid)
                .query(Integer.class).single();
    }

    private static boolean waitingOnALock(String statement) {
        return jdbc.sql("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE :q")
                .param("q", statement + "%").query(Integer.class).single() > 0;
    }
}
