package io.connectify.hub.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Instant;
import java.time.OffsetDateTime;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.booking.Customer;
import io.connectify.hub.notification.Notification.Channel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentMatchers;

class NotificationPlannerTest {

    private final NotificationLog log = mock(NotificationLog.class);

    /** A planner of these Twilio settings; no booking is read (that is only a send's re-render, asSentNow). */
    private NotificationPlanner planner(TwilioProperties twilio) {
        return new NotificationPlanner(new NotificationTemplates(), log, twilio, mock(BookingRepository.class),
                hours());
    }

    @BeforeEach
    void nothingSentYet() {
        when(log.queuedUnlessSent(ArgumentMatchers.any())).thenReturn(true);
    }

    @Test
    void theOperatorGetsACopyOfTheCustomersSms() {
        var planner = planner(twilio("+41445559999"));

        var planned = planner.forBooking(booking("+41791234567"), "confirmation", null);

        assertThat(planned).extracting(Notification::channel, Notification::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Channel.SMS, "+41791234567"),
                org.assertj.core.groups.Tuple.tuple(Channel.SMS, "+41445559999"),
                org.assertj.core.groups.Tuple.tuple(Channel.EMAIL, "john@example.com"));
        assertThat(planned.get(0).body()).isEqualTo(planned.get(1).body());
        assertThat(planned.get(2).html()).isTrue();
        verify(log, times(3)).queuedUnlessSent(ArgumentMatchers.any());
    }

    /**
     * The customer reads the time in their own zone (New York, 03:00); the operator's copy tells it in the
     * consultancy's (Zurich, the working hours', 09:00), queued again as it was planned. Before, the operator was sent
     * the customer's text, 3:00 AM with no zone named, for an appointment at 9:00 in Zurich.
     */
    @Test
    void theOperatorsCopyTellsTheTimeInTheConsultancysZone() {
        var planner = new NotificationPlanner(new NotificationTemplates(), log, twilio("+41445559999"),
                mock(BookingRepository.class), hours());
        Booking booking = booking("+12125550123", "America/New_York");

        var planned = planner.forBooking(booking, "confirmation", null);

        assertThat(planned).extracting(Notification::to).startsWith("+12125550123", "+41445559999");
        // newer JDKs put a narrow no-break space before AM; the texts carry plain spaces
        assertThat(planned.get(0).body()).contains("Tuesday, December 1, 2026, 3:00 AM (60 min)");
        assertThat(planned.get(1).body()).contains("Tuesday, December 1, 2026, 9:00 AM (60 min)")
                .doesNotContain("3:00");
        var operatorRow = new NotificationLog.Logged(planned.get(1).id(), booking.id(), "confirmation", null,
                Instant.parse(planned.get(1).start()), Channel.SMS, "+41445559999",
                Instant.parse("2026-11-30T07:00:00Z"));
        assertThat(planner.asLogged(booking, operatorRow).orElseThrow().body()).isEqualTo(planned.get(1).body());
        var customerRow = new NotificationLog.Logged(planned.get(0).id(), booking.id(), "confirmation", null,
                Instant.parse(planned.get(0).start()), Channel.SMS, "+12125550123",
                Instant.parse("2026-11-30T07:00:00Z"));
        assertThat(planner.asLogged(booking, customerRow).orElseThrow().body()).isEqualTo(planned.get(0).body());
    }

    @Test
    void aRepeatedStepPlansTheSameNotificationsAndQueuesOnlyThoseStillUnsent() {
        var planner = planner(twilio("+41445559999"));
        var first = planner.forBooking(booking("+41791234567"), "confirmation", null);
        when(log.queuedUnlessSent(ArgumentMatchers.argThat(n -> n.channel() == Channel.EMAIL))).thenReturn(false);

        var again = planner.forBooking(booking("+41791234567"), "confirmation", null);

        assertThat(first).extracting(Notification::id).doesNotHaveDuplicates();
        assertThat(again).extracting(Notification::id)
                .containsExactly(first.get(0).id(), first.get(1).id()); // the email was sent: not queued again
        assertThat(planner.forBooking(booking("+41791234567"), "refund", null)).extracting(Notification::id)
                .doesNotContainAnyElementsOf(first.stream().map(Notification::id).toList());
    }

    @Test
    void withoutAPhoneOnlyTheEmailIsSent() {
        var planner = planner(twilio(null));

        var planned = planner.forBooking(booking(null), "refund", null);

        assertThat(planned).extracting(Notification::channel).containsExactly(Channel.EMAIL);
        // newer JDKs put a narrow no-break space before AM
        assertThat(planned.get(0).subject().replace('\u202f', ' '))
                .isEqualTo("Your appointment on Tuesday, December 1, 2026, 9:00 AM has been cancelled and refunded");
    }

    @Test
    void aQueuedNotificationCarriesTheStartItTellsOfAndReadsFieldsItDoesNotKnow() throws Exception {
        var planner = planner(twilio(null));
        // as the notifications queue carries it (Camel's Jackson data format, a plain ObjectMapper)
        var json = new com.fasterxml.jackson.databind.ObjectMapper();

        String queued = json.writeValueAsString(planner.forBooking(booking(null), "confirmation", null).get(0));
        var read = json.readValue(queued.replaceFirst("\\{", "{\"addedLater\":1,"), Notification.class);
        var older = json.readValue("""
                {"id":"n1","channel":"SMS","to":"+41791234567","body":"Hi","html":false,"bookingId":"b1",
                 "kind":"confirmation"}""", Notification.class);

        assertThat(read.start()).isEqualTo("2026-12-01T08:00:00Z");
        assertThat(read.id()).isNotBlank();
        assertThat(older.start()).isNull();
    }

    @Test
    void aLoggedPaymentRefundedNoticeQueuedAgainIsItselfTellingThePaymentRefundedAndTheBookingNotConfirmed() {
        var planner = planner(twilio(null));
        var planned = planner.forBooking(booking("+41791234567"), "payment-refunded", null);
        var email = planned.stream().filter(n -> n.channel() == Channel.EMAIL).findFirst().orElseThrow();
        var row = new NotificationLog.Logged(email.id(), email.bookingId(), email.kind(), null,
                Instant.parse(email.start()), Channel.EMAIL, email.to(), Instant.parse("2026-11-30T07:00:00Z"));

        var again = planner.asLogged(booking("+41791234567"), row).orElseThrow();

        assertThat(again.id()).isEqualTo(email.id());
        assertThat(again.kind()).isEqualTo("payment-refunded");
        assertThat(again.body()).isEqualTo(email.body()).contains("was not confirmed").doesNotContain("cancelled");
        assertThat(again.subject()).isEqualTo(email.subject());
    }

    /**
     * The notice of a payment refunded as it could not pay for its booking, one per payment (its occasion: amount,
     * currency, provider, reference), tells that payment's amount in its own currency; queued again from its row
     * (the recovery sweep), it is itself, the amount read back from its occasion.
     */
    @Test
    void aRefundedPaymentsNoticeIsOnePerPaymentAndQueuedAgainTellsThatPaymentsAmount() {
        var planner = planner(twilio(null));
        String yen = NotificationPlanner.refundedPaymentOccasion(9000, "jpy", "stripe", "pi_jpy");
        String francs = NotificationPlanner.refundedPaymentOccasion(4500, "CHF", "payrexx", "4750");
        assertThat(yen).isEqualTo("9000 JPY stripe pi_jpy");

        var planned = planner.forBooking(booking("+41791234567"), "payment-mismatch", yen);
        var other = planner.forBooking(booking("+41791234567"), "payment-mismatch", francs);

        assertThat(planned.get(0).body()).contains("your payment of JPY 9,000");
        assertThat(other.get(0).body()).contains("your payment of CHF 45.00");
        assertThat(planned).extracting(Notification::id)
                .doesNotContainAnyElementsOf(other.stream().map(Notification::id).toList());
        var email = planned.stream().filter(n -> n.channel() == Channel.EMAIL).findFirst().orElseThrow();
        var row = new NotificationLog.Logged(email.id(), email.bookingId(), email.kind(), yen,
                Instant.parse(email.start()), Channel.EMAIL, email.to(), Instant.parse("2026-11-30T07:00:00Z"));
        var again = planner.asLogged(booking("+41791234567"), row).orElseThrow();
        assertThat(again.id()).isEqualTo(email.id());
        assertThat(again.body()).isEqualTo(email.body()).contains("JPY 9,000");
        // a reference too long for the column is kept as a UUID of itself: still one notice per payment
        String longer = NotificationPlanner.refundedPaymentOccasion(9000, "CHF", "stripe", "cs_" + "x".repeat(120));
        assertThat(longer).hasSizeLessThanOrEqualTo(100).startsWith("9000 CHF stripe ")
                .isNotEqualTo(NotificationPlanner.refundedPaymentOccasion(9000, "CHF", "stripe", "cs_" + "y".repeat(120)));
    }

    private static io.connectify.hub.booking.AvailabilityProperties hours() {
        return new io.connectify.hub.booking.AvailabilityProperties(java.time.ZoneId.of("Europe/Zurich"),
                java.util.Map.of(), java.time.Duration.ofMinutes(30), java.time.Duration.ZERO, java.time.Duration.ZERO,
                java.time.Duration.ofDays(31));
    }

    private static TwilioProperties twilio(String operator) {
        return new TwilioProperties(null, null, null, null, null, null, operator, null, null, null, null);
    }

    private static Booking booking(String phone) {
        return booking(phone, "Europe/Zurich");
    }

    /** The booking of a customer whose time zone is {@code zone}. */
    private static Booking booking(String phone, String zone) {
        return new Booking("7d6f2c3e-0000-4000-8000-000000000001", BookingStatus.CONFIRMED,
                OffsetDateTime.parse("2026-12-01T09:00:00+01:00"), OffsetDateTime.parse("2026-12-01T10:00:00+01:00"),
                60, 9000, "CHF", new Customer("John Doe", "john@example.com", phone, "en", zone),
                "Consultation", null, "stripe", null, null, null, Instant.parse("2026-11-30T07:00:00Z"), "pi_1", null, 9000L);
    }
}
