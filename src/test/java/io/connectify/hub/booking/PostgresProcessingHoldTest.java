package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hold extended for a delayed payment processing, on PostgreSQL: the booking's own payment page expiring leaves it
 * held, the processing payments it waits for are recorded (V38), and a failed payment brings it back to a hold from the
 * failure (the statements' timestamp parameters typed as PostgreSQL takes them, as H2 does in the webhook tests).
 */
class PostgresProcessingHoldTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final Instant MADE = Instant.parse("2026-11-30T07:00:00Z");
    /** The hold the bookings are made with: 15 minutes. */
    private static final Instant MADE_HOLD_END = MADE.plus(Duration.ofMinutes(15));
    /** A processing payment's hold: until the appointment's start. */
    private static final Instant PROCESSING_HOLD_END = Instant.parse("2026-12-20T08:00:00Z");

    private static BookingRepository bookings;

    @BeforeAll
    static void migrate() {
        bookings = PostgresRepositories.migrated(postgres, BookingRepository::new);
    }

    @Test
    void theOwnPageExpiringReleasesOnlyABookingHeldAsItWasMadeOnPostgres() {
        String made = pending("7a1c7d0e-0000-4000-8000-0000000000b1", "2026-12-17T08:00:00Z");
        String processing = pending("7a1c7d0e-0000-4000-8000-0000000000b2", "2026-12-18T08:00:00Z");
        Instant later = MADE.plus(Duration.ofMinutes(5));
        assertThat(bookings.extendHold(processing, PROCESSING_HOLD_END, "the payment is processing", later)).isTrue();
        Instant pageExpired = MADE.plus(Duration.ofMinutes(36));

        assertThat(bookings.expireUnlessHeldLonger(made, MADE_HOLD_END, "the payment page expired", pageExpired))
                .isTrue();
        assertThat(bookings.expireUnlessHeldLonger(processing, MADE_HOLD_END, "the payment page expired",
                pageExpired)).isFalse();

        assertThat(bookings.find(made).orElseThrow().status()).isEqualTo(BookingStatus.EXPIRED);
        assertThat(bookings.find(processing).orElseThrow()).extracting(Booking::status, Booking::holdExpiresAt)
                .containsExactly(BookingStatus.PENDING_PAYMENT, PROCESSING_HOLD_END);
    }

    /**
     * The processing payments recorded for a booking's longer hold (V38), on PostgreSQL: a repeat records nothing more;
     * a failure created before the event that recorded a payment fails nothing of it; a failure naming a session's
     * Payment Intent fails that session's row too, kept as failed; once none is left, the longer hold
     * ends at an ordinary hold from the failure, and a hold already shorter is left as it is.
     */
    @Test
    void processingPaymentsAreRecordedOnceAndTheirFailureEndsTheLongerHoldOnPostgres() {
        String id = pending("7a1c7d0e-0000-4000-8000-0000000000b3", "2026-12-19T08:00:00Z");
        Instant later = MADE.plus(Duration.ofMinutes(5));
        assertThat(bookings.extendHold(id, PROCESSING_HOLD_END, "the payment is processing", later)).isTrue();
        assertThat(bookings.heldAtLeastUntil(id, PROCESSING_HOLD_END, later)).isTrue();
        assertThat(bookings.heldAtLeastUntil(id, PROCESSING_HOLD_END.plusSeconds(1), later)).isFalse();
        Instant created = later.minusSeconds(30); // the Stripe events' created
        assertThat(bookings.recordProcessing(id, "cs_test_b3", "pi_b3_page", created, later)).isTrue();
        assertThat(bookings.recordProcessing(id, "cs_test_b3", "pi_b3_page", created, later)).as("a repeat").isFalse();
        assertThat(bookings.recordProcessing(id, "pi_b3_api", "pi_b3_api", null, later.plusSeconds(1))).isTrue();
        assertThat(bookings.processingPayments(id)).containsExactly("cs_test_b3", "pi_b3_api");

        Instant failedAt = later.plusSeconds(60);
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b3_unknown", ""), null, failedAt)).isZero();
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b3_page"), created.minusSeconds(1), failedAt))
                .as("a failure created before the processing's event: older").isZero();
        assertThat(bookings.failedAlready(id, "cs_test_b3")).isFalse();
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b3_page"), created, failedAt))
                .as("the session's, by its intent").isEqualTo(1);
        assertThat(bookings.failedAlready(id, "cs_test_b3")).as("its row kept, failed").isTrue();
        assertThat(bookings.recordProcessing(id, "cs_test_b3", "pi_b3_page", created, failedAt))
                .as("a repeat of its completion after its failure").isFalse();
        assertThat(bookings.processingPayments(id)).containsExactly("pi_b3_api");
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b3_api"), created.minusSeconds(1), failedAt))
                .as("recorded without its created: any failure is newer").isEqualTo(1);
        assertThat(bookings.processingPayments(id)).isEmpty();
        bookings.recordFailed(id, "cs_test_b3_other", "", failedAt);
        assertThat(bookings.failedAlready(id, "cs_test_b3_other")).isTrue();
        assertThat(bookings.processingPayments(id)).isEmpty();

        Instant failed = MADE.plus(Duration.ofHours(6));
        Instant ordinary = failed.plus(Duration.ofMinutes(15));
        assertThat(bookings.endProcessingHold(id, ordinary, "the payment failed", failed)).isTrue();
        assertThat(bookings.endProcessingHold(id, ordinary.plusSeconds(60), "the payment failed", failed)).isFalse();
        assertThat(bookings.find(id).orElseThrow()).extracting(Booking::status, Booking::holdExpiresAt)
                .containsExactly(BookingStatus.PENDING_PAYMENT, ordinary);
    }

    /**
     * A payment's failure remembered for its processing event handled after it (V39), on PostgreSQL: a session's
     * failure is final whenever created; a Payment Intent's fails a processing event created before it, not one
     * created after it (an older decline), and one of the same second is told apart (by Stripe, in the saga); the
     * newest failure is kept. A failure in the second of a recorded processing fails it, or, that Payment Intent still
     * on its way at Stripe, not.
     */
    @Test
    void aFailureIsRememberedForTheProcessingEventHandledAfterItOnPostgres() {
        String id = pending("7a1c7d0e-0000-4000-8000-0000000000b4", "2026-12-19T10:00:00Z");
        Instant failedAt = MADE.plus(Duration.ofMinutes(5));
        Instant created = failedAt.minusSeconds(30);
        bookings.rememberFailure(id, "cs_test_b4_other", "pi_b4_session", created, failedAt);
        bookings.rememberFailure(id, null, "pi_b4_api", created, failedAt);
        bookings.rememberFailure(id, null, "pi_b4_api", created.minusSeconds(600), failedAt); // an older one: kept newest
        bookings.rememberFailure(id, null, "pi_b4_unknown", null, failedAt);

        assertThat(bookings.failureSeen(id, "cs_test_b4_other", "pi_b4_session", created.plusSeconds(60)))
                .as("a session's failure: final").isEqualTo(BookingRepository.FailureSeen.FAILED);
        assertThat(bookings.failureSeen(id, null, "pi_b4_api", created.minusSeconds(1)))
                .isEqualTo(BookingRepository.FailureSeen.FAILED);
        assertThat(bookings.failureSeen(id, null, "pi_b4_api", created))
                .isEqualTo(BookingRepository.FailureSeen.SAME_SECOND);
        assertThat(bookings.failureSeen(id, null, "pi_b4_api", created.plusSeconds(1)))
                .as("a processing created after the failure").isEqualTo(BookingRepository.FailureSeen.NONE);
        assertThat(bookings.failureSeen(id, null, "pi_b4_unknown", created))
                .as("a failure of unknown created").isEqualTo(BookingRepository.FailureSeen.NONE);
        assertThat(bookings.failureSeen(id, "cs_test_b4_new", "pi_b4_new", null))
                .isEqualTo(BookingRepository.FailureSeen.NONE);

        assertThat(bookings.recordProcessing(id, "pi_b4_debit", "pi_b4_debit", created, failedAt)).isTrue();
        assertThat(bookings.processingRecordedIn(id, "pi_b4_debit", created)).isTrue();
        assertThat(bookings.processingRecordedIn(id, "pi_b4_debit", created.plusSeconds(1))).isFalse();
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b4_debit"), created, true, failedAt))
                .as("still on its way at Stripe: the failure of its second is older").isZero();
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b4_debit"), created, false, failedAt))
                .isEqualTo(1);
        assertThat(bookings.processingRecordedIn(id, "pi_b4_debit", created)).as("failed").isFalse();
    }

    /**
     * A Payment Intent's debit failed, then retried on the same Payment Intent (V38's row processing again), on
     * PostgreSQL: a processing event created after the one that recorded it records the retry, so the retry's failure
     * fails it again; a repeat of the first event, one of unknown created, or a failed Checkout Session's completion
     * records nothing.
     */
    @Test
    void aRetriedDebitOfAFailedPaymentIntentIsRecordedProcessingAgainOnPostgres() {
        String id = pending("7a1c7d0e-0000-4000-8000-0000000000b5", "2026-12-19T12:00:00Z");
        Instant at = MADE.plus(Duration.ofMinutes(5));
        Instant first = at.minusSeconds(30);
        assertThat(bookings.recordProcessing(id, "pi_b5", "pi_b5", first, at)).isTrue();
        assertThat(bookings.recordProcessing(id, "cs_test_b5", "pi_b5_page", first, at)).isTrue();
        Instant failed = at.plus(Duration.ofHours(1));
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b5", "pi_b5_page"), failed, failed))
                .isEqualTo(2);

        assertThat(bookings.recordProcessing(id, "pi_b5", "pi_b5", first, failed)).as("a repeat").isFalse();
        assertThat(bookings.recordProcessing(id, "pi_b5", "pi_b5", null, failed)).as("unknown created").isFalse();
        assertThat(bookings.recordProcessing(id, "cs_test_b5", "pi_b5_page", failed.plusSeconds(60), failed))
                .as("a session's failure is final").isFalse();
        Instant retried = failed.plusSeconds(60);
        assertThat(bookings.recordProcessing(id, "pi_b5", "pi_b5", retried, retried)).as("the retry").isTrue();
        assertThat(bookings.processingPayments(id)).containsExactly("pi_b5");
        assertThat(bookings.processingRecordedIn(id, "pi_b5", retried)).isTrue();
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b5"), failed, retried))
                .as("the first failure, delivered again: older than the retry").isZero();
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b5"), retried.plusSeconds(3600),
                retried.plusSeconds(3600))).as("the retry's failure").isEqualTo(1);
        assertThat(bookings.processingPayments(id)).isEmpty();
        bookings.recordFailed(id, "pi_b5_late", "pi_b5_late", retried);
        assertThat(bookings.recordProcessing(id, "pi_b5_late", "pi_b5_late", retried.plusSeconds(1), retried))
                .as("recorded failed by a processing event handled after its failure: retried later").isTrue();
    }

    /**
     * A debit retried on its Payment Intent handled before its first attempt's failure, on PostgreSQL: the row, still
     * processing, is dated by the retry (a Checkout Session's is not), so that failure, created before the retry, fails
     * nothing; the retry's does. A PAYMENT_FAILED booking is held again for a processing payment.
     */
    @Test
    void aRetryHandledBeforeTheFirstFailureKeepsItsRowProcessingOnPostgres() {
        String id = pending("7a1c7d0e-0000-4000-8000-0000000000b6", "2026-12-19T14:00:00Z");
        Instant at = MADE.plus(Duration.ofMinutes(5));
        Instant first = at.minusSeconds(30);
        assertThat(bookings.recordProcessing(id, "pi_b6", "pi_b6", first, at)).isTrue();
        assertThat(bookings.recordProcessing(id, "cs_test_b6", "pi_b6_page", first, at)).isTrue();
        Instant firstFailed = at.plus(Duration.ofHours(1));
        Instant retried = firstFailed.plusSeconds(60);
        assertThat(bookings.recordProcessing(id, "pi_b6", "pi_b6", retried, retried)).as("the retry").isTrue();
        assertThat(bookings.recordProcessing(id, "pi_b6", "pi_b6", first, retried)).as("the first, again").isFalse();
        assertThat(bookings.recordProcessing(id, "cs_test_b6", "pi_b6_page", retried, retried)).isFalse();
        assertThat(bookings.processingRecordedIn(id, "pi_b6", retried)).isTrue();

        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b6"), firstFailed, retried))
                .as("the first failure, handled late").isZero();
        assertThat(bookings.processingFailed(id, java.util.List.of("pi_b6"), retried.plusSeconds(3600),
                retried.plusSeconds(3600))).as("the retry's failure").isEqualTo(1);

        assertThat(bookings.transition(id, java.util.List.of(BookingStatus.PENDING_PAYMENT),
                BookingStatus.PAYMENT_FAILED, "the payment failed", retried)).isTrue();
        assertThat(bookings.reholdProcessing(id, PROCESSING_HOLD_END, "the payment is processing", retried)).isTrue();
        assertThat(bookings.find(id).orElseThrow()).extracting(Booking::status, Booking::holdExpiresAt)
                .containsExactly(BookingStatus.PENDING_PAYMENT, PROCESSING_HOLD_END);
    }

    /** A pending Stripe booking made at {@link #MADE}, its hold ending at {@link #MADE_HOLD_END}. */
    private static String pending(String id, String startUtc) {
        var zone = TestAvailability.HOURS.timeZone();
        Instant start = Instant.parse(startUtc);
        Booking booking = new Booking(id, BookingStatus.PENDING_PAYMENT, start.atZone(zone).toOffsetDateTime(),
                start.plus(Duration.ofHours(1)).atZone(zone).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("Jane Roe", "jane@example.com", null, "de", "Europe/Zurich"), "Consultation", null,
                "stripe", null, null, MADE_HOLD_END, MADE, "cs_test_" + id.substring(id.length() - 2), null, null);
        bookings.withSlotLock(() -> {
            bookings.insert(booking, MADE);
            return null;
        });
        return id;
    }
}
