package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.noContent;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.GoogleCalendarFake.EVENTS;
import static io.connectify.hub.support.NotificationFakes.MAIL_SEND;
import static io.connectify.hub.support.NotificationFakes.MESSAGES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A confirmed booking cancelled with no refund to make (here: after the refund cut-off) has its customer's notice
 * logged and queued in the cancellation's own transaction: no step after that commit can leave the booking CANCELLED
 * with its customer never told.
 */
@HubTest
class CancellationNoticeTransactionTest extends Webhooks {

    /** The SMS and email text of the "cancellation" kind (after the cut-off, not refunded; the customer's German). */
    private static final String SMS_TEXT =
            "wurde nach der Rückerstattungsfrist abgesagt: Ihre Zahlung wird nicht erstattet. Connectify";
    private static final String EMAIL_TEXT = "wurde abgesagt. Da die Absage nach der";

    @MockitoSpyBean
    BookingRepository spied;

    @Test
    void aCancelAfterTheCutOffTellsTheCustomerEvenWhenALaterLockOfTheBookingWouldFail() {
        String id = cancellableAfterTheCutOff();
        // any transaction of its own that takes the booking's row lock after the cancellation's (as the notice's
        // step did) finds the row held past the lock timeout; a lock taken inside a running transaction joins it
        AtomicInteger ownTransactions = new AtomicInteger();
        AtomicBoolean held = new AtomicBoolean(true);
        doAnswer(inv -> {
            if (held.get() && id.equals(inv.getArgument(0))
                    && !TransactionSynchronizationManager.isActualTransactionActive()
                    && ownTransactions.incrementAndGet() > 1) {
                throw new CannotAcquireLockException("row held by another transaction");
            }
            return inv.callRealMethod();
        }).when(spied).withBookingLock(anyString(), any(Runnable.class));

        var first = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(first.json().get("statusReason").asText()).isEqualTo(BookingSaga.CANCELLED_LATE);

        awaitToldOnce();
        held.set(false); // the row free again
        // cancelled and told: a repeated cancel is refused, and tells nothing again
        var again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).contains("cannot be cancelled");
        assertThat(logged(id)).as("one SMS, one email logged").isEqualTo(2);
    }

    @Test
    void aRepeatedCancelOfABookingCancelledWithItsNoticeNeverLoggedTellsTheCustomer() {
        String id = cancellableAfterTheCutOff();
        // as an earlier version left it when the notice's own transaction failed: CANCELLED, no notice logged
        jdbc.sql("UPDATE booking SET status = 'CANCELLED', status_reason = :reason WHERE id = :id")
                .param("reason", BookingSaga.CANCELLED_LATE).param("id", id).update();
        assertThat(logged(id)).isZero();

        var again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(again.json().get("statusReason").asText()).isEqualTo(BookingSaga.CANCELLED_LATE);
        awaitToldOnce();

        // told now: a further cancel is refused as before, and sends nothing more
        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        assertThat(logged(id)).as("one SMS, one email logged").isEqualTo(2);
    }

    /**
     * A booking whose refund failed at the provider (CANCELLED, "the refund failed at the provider …"), its
     * refund-failed notice never logged (as an earlier version, queuing it after the change's transaction, left it):
     * a repeated cancel tells the customer, once, and answers 200; then 409 as before, nothing sent again. Before,
     * 409 and the customer never told. No refund is asked of the provider.
     */
    @Test
    void aRepeatedCancelOfABookingWhoseRefundFailedUntoldTellsTheCustomerOnce() {
        String id = cancellableAfterTheCutOff();
        String failed = "the refund failed at the provider (expired_or_canceled_card): pay the customer back another way";
        jdbc.sql("UPDATE booking SET status = 'CANCELLED', status_reason = :reason WHERE id = :id")
                .param("reason", failed).param("id", id).update();

        var again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("statusReason").asText()).isEqualTo(failed);
        awaitToldOnce("nicht auf Ihr ursprüngliches Zahlungsmittel erstatten", "wir klären Ihre Rückerstattung");

        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isEqualTo(409);
        assertThat(logged(id, "refund-failed")).as("one SMS, one email logged").isEqualTo(2);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * A REFUNDED booking ("cancelled and refunded") whose refund notice was never logged: a repeated cancel tells the
     * customer of the refund, once (200), then 409. Before, 409 and never told.
     */
    @Test
    void aRepeatedCancelOfARefundedBookingUntoldTellsTheCustomerOnce() {
        String id = cancellableAfterTheCutOff();
        jdbc.sql("UPDATE booking SET status = 'REFUNDED', status_reason = 'cancelled and refunded' WHERE id = :id")
                .param("id", id).update();

        var again = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("REFUNDED");
        awaitToldOnce("wurde abgesagt und", "wurde abgesagt und erstattet");

        var more = httpPost("/api/v1/bookings/" + id + "/cancel", "");
        assertThat(more.status()).isEqualTo(409);
        assertThat(more.json().get("detail").asText()).contains("REFUNDED cannot be cancelled");
        assertThat(logged(id, "refund")).as("one SMS, one email logged").isEqualTo(2);
        stripe.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/refunds")));
    }

    /**
     * The record of the first cancel ask failing (its transaction) ends the cancel's change of the booking's event: a
     * cancel asked again at once goes ahead. Before, the record ran outside the try that ends the change, and the
     * marker held every cancel and move off (409) until EventChangeTimeout.
     */
    @Test
    void aCancelWhoseAskCouldNotBeRecordedLeavesNoChangeUnderWay() {
        String id = cancellableAfterTheCutOff();
        AtomicBoolean failing = new AtomicBoolean(true);
        doAnswer(inv -> {
            if (failing.getAndSet(false)) {
                throw new CannotAcquireLockException("row held by another transaction");
            }
            return inv.callRealMethod();
        }).when(spied).firstCancelAsk(anyString(), any(Instant.class));

        assertThat(httpPost("/api/v1/bookings/" + id + "/cancel", "").status()).isNotEqualTo(200);
        var again = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("status").asText()).isEqualTo("CANCELLED");
    }

    /**
     * A cancel refused (409) because the booking, read again under its change marker, has begun (moved meanwhile to a
     * start already past) records no ask: a later cancel is not judged from it. Before, the ask was recorded first.
     */
    @Test
    void aCancelRefusedBecauseTheStartPassedMeanwhileRecordsNoAsk() {
        String id = cancellableAfterTheCutOff();
        Instant now = clock.instant();
        doAnswer(inv -> {
            // moved, between the cancel's first read and its marker, to a start half an hour past
            jdbc.sql("UPDATE booking SET start_at = :start, end_at = :end WHERE id = :id").param("id", id)
                    .param("start", OffsetDateTime.ofInstant(now.minus(Duration.ofMinutes(30)), ZoneOffset.UTC))
                    .param("end", OffsetDateTime.ofInstant(now.plus(Duration.ofMinutes(30)), ZoneOffset.UTC))
                    .update();
            return inv.callRealMethod();
        }).when(spied).eventChangeBegins(anyString(), any(Instant.class), any(Duration.class));

        var refused = httpPost("/api/v1/bookings/" + id + "/cancel", "");

        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.json().get("detail").asText()).contains("until its start");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM booking WHERE id = :id AND cancel_asked_at IS NULL")
                .param("id", id).query(Integer.class).single()).as("no ask recorded").isEqualTo(1);
    }

    /** A confirmed booking (its confirmation's notices sent), the clock 22 h before its start: past the 24 h cut-off. */
    private String cancellableAfterTheCutOff() {
        String id = confirmedStripeBooking("2026-12-02T10:00:00+01:00");
        // its confirmation told first: the SMS and email fakes have answered them
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(notify.twilio().findAll(postRequestedFor(urlPathEqualTo(MESSAGES)))).hasSize(1);
            assertThat(notify.sendGrid().findAll(postRequestedFor(urlPathEqualTo(MAIL_SEND)))).hasSize(1);
        });
        google.stub(delete(urlPathEqualTo(EVENTS + "/" + BookingSaga.eventIdFor(id))).willReturn(noContent()));
        clock.set(Instant.parse("2026-12-01T12:00:00Z"));
        // the tests then stub the spied repository: no consumer may be calling it meanwhile (the confirmation's
        // notices were received by the fakes before their senders recorded them; UnfinishedStubbing, twice seen)
        awaitQueuesIdle();
        return id;
    }

    private void awaitToldOnce() {
        awaitToldOnce(SMS_TEXT, EMAIL_TEXT);
    }

    /** One SMS holding {@code smsText} and one email holding {@code emailText} sent. */
    private void awaitToldOnce(String smsText, String emailText) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(sent(notify.twilio(), MESSAGES, smsText)).as("SMS").isEqualTo(1);
            assertThat(sent(notify.sendGrid(), MAIL_SEND, emailText)).as("email").isEqualTo(1);
        });
    }

    /** Requests the fake received at {@code path} whose body (Twilio's form decoded) holds {@code text}. */
    private static long sent(WireMockServer fake, String path, String text) {
        return fake.findAll(postRequestedFor(urlPathEqualTo(path))).stream()
                .map(r -> MESSAGES.equals(path) ? URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8)
                        : r.getBodyAsString())
                .filter(body -> body.contains(text))
                .count();
    }

    /** The booking's notices of the "cancellation" kind in the notification log (one row per channel). */
    private int logged(String bookingId) {
        return logged(bookingId, "cancellation");
    }

    /** The booking's notices of {@code kind} in the notification log (one row per channel). */
    private int logged(String bookingId, String kind) {
        return jdbc.sql("SELECT COUNT(*) FROM notification WHERE booking_id = :id AND kind = :kind")
                .param("id", bookingId).param("kind", kind).query(Integer.class).single();
    }
}
