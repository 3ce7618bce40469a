package io.connectify.hub.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.booking.Customer;
import org.junit.jupiter.api.Test;

class NotificationTemplatesTest {

    private final NotificationTemplates templates = new NotificationTemplates();

    @Test
    void theCallersTextIsNoMarkupInAnEmailButStaysAsWrittenInAnSms() {
        Booking booking = booking("<a href=\"https://evil.example/pay\">Pay again</a>", "Tax & <b>advice</b>", "en",
                9000, "CHF");

        String body = templates.render("payment-failed", "email.body", booking);
        assertThat(body).doesNotContain("<a href").doesNotContain("<b>")
                .contains("Hello &lt;a href=&quot;https://evil.example/pay&quot;&gt;Pay again&lt;/a&gt;,");
        assertThat(templates.render("confirmation", "email.body", booking))
                .contains("<strong>Tax &amp; &lt;b&gt;advice&lt;/b&gt;</strong>"); // the template's own markup kept
        assertThat(templates.render("payment-failed", "sms", booking))
                .startsWith("Hello <a href=\"https://evil.example/pay\">Pay again</a>, the payment");
    }

    @Test
    void anAmountHasItsCurrencysDecimalsWhateverTheLocale() {
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "en", 5000, "JPY"))).contains("¥5,000 refunded");
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "en", 12345, "KWD"))).contains("KWD12.345 refunded");
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "de", 9050, "CHF"))).contains("90,50 CHF");
    }

    @Test
    void aRefundNoticeTellsTheAmountPaidNotThePrice() {
        Booking price = booking("Ann", "x", "en", 9000, "CHF");
        Booking paidMore = new Booking(price.id(), BookingStatus.REFUNDED, price.start(), price.end(),
                price.durationMinutes(), 9000, "CHF", price.customer(), price.summary(), null, "payrexx", null, null,
                null, price.createdAt(), "4753", null, 9500L);
        assertThat(templates.render("refund", "sms", paidMore)).contains("CHF95.00 refunded");
        assertThat(templates.render("refund", "email.body", paidMore)).contains("We refunded CHF95.00");
        assertThat(templates.render("refund-failed", "sms", paidMore)).contains("could not refund CHF95.00");
        assertThat(templates.render("confirmation", "sms", paidMore)).contains("CHF90.00");
    }

    /**
     * The dispute decides: nothing is refunded beside it, and a refund made once it is won (a booking cancelled in time,
     * paid through Stripe) is told by its own notice; so the text promises no refund and rules none out, also for a
     * dispute already lost, a cancel after the cut-off and a Payrexx payment (whose dispute's outcome the hub never
     * learns).
     */
    @Test
    void aCancellationWhileThePaymentIsDisputedSaysTheDisputeDecidesNotTheCutOff() {
        Booking booking = booking("Ann", "x", "en", 9000, "CHF");
        assertThat(templates.render("cancellation-disputed", "sms", booking))
                .contains("has been cancelled").contains("that dispute decides what becomes of the payment")
                .contains("we make no refund alongside it").doesNotContain("do not refund it");
        assertThat(templates.render("cancellation-disputed", "email.body", booking))
                .contains("that dispute decides").doesNotContain("cut-off").doesNotContain("do not refund it");
        Booking de = booking("Ann", "x", "de", 9000, "CHF");
        assertThat(templates.render("cancellation-disputed", "sms", de))
                .contains("entscheidet diese Beanstandung").contains("daneben erstatten wir nichts")
                .doesNotContain("nicht zusätzlich");
    }

    @Test
    void aPaymentRefundedForABookingNeverConfirmedSaysSoAndNotThatABookingWasCancelled() {
        Booking en = booking("Ann", "x", "en", 9000, "CHF");
        assertThat(templates.render("payment-refunded", "sms", en))
                .contains("was not confirmed").contains("CHF90.00 has been refunded").doesNotContain("cancelled");
        assertThat(templates.render("payment-refunded", "email.subject", en))
                .contains("has been refunded").doesNotContain("cancelled");
        assertThat(templates.render("payment-refunded", "email.body", en))
                .contains("was not confirmed").contains("We refunded your payment of CHF90.00")
                .doesNotContain("cancelled");
        Booking de = booking("Ann", "x", "de", 9000, "CHF");
        for (String part : new String[] {"sms", "email.subject", "email.body"}) {
            assertThat(templates.render("payment-refunded", part, de)).as(part).contains("erstattet")
                    .doesNotContain("abgesagt");
        }
        assertThat(templates.render("payment-refunded", "sms", de)).contains("nicht bestätigt");
    }

    @Test
    void aCancellationWithoutARefundSaysWhyThereIsNone() {
        for (String locale : new String[] {"en", "de"}) {
            Booking booking = booking("Ann", "x", locale, 9000, "CHF");
            // after the refund cut-off
            assertThat(templates.render("cancellation", "email.body", booking)).as(locale)
                    .containsAnyOf("after the refund cut-off", "nach der Rückerstattungsfrist");
            // in time, with no payment reference to refund it by: not the cut-off
            for (String part : new String[] {"sms", "email.subject", "email.body"}) {
                assertThat(templates.render("cancellation-unrefunded", part, booking)).as(locale + " " + part)
                        .doesNotContain("cut-off").doesNotContain("Rückerstattungsfrist");
            }
            assertThat(templates.render("cancellation-unrefunded", "email.body", booking)).as(locale)
                    .containsAnyOf("could not refund your payment automatically", "nicht automatisch erstatten");
        }
    }

    @Test
    void aLanguageWithoutItsOwnTextsIsWrittenAllInEnglish() {
        assertThat(templates.render("confirmation", "sms", booking("Ann", "x", "fr", 9050, "CHF")))
                .startsWith("Hello Ann, your appointment on Tuesday, December 1, 2026")
                .contains("90.50").doesNotContain("90,50");
        assertThat(templates.render("confirmation", "sms", booking("Ann", "x", "de-CH", 9050, "CHF")))
                .startsWith("Hallo Ann, Ihr Termin am Dienstag, 1. Dezember 2026");
    }

    private static Booking booking(String name, String summary, String locale, long amount, String currency) {
        return new Booking("7d6f2c3e-0000-4000-8000-000000000001", BookingStatus.CONFIRMED,
                OffsetDateTime.parse("2026-12-01T09:00:00+01:00"), OffsetDateTime.parse("2026-12-01T10:00:00+01:00"),
                60, amount, currency, new Customer(name, "ann@example.com", null, locale, "Europe/Zurich"),
                summary, null, "stripe", null, null, null, Instant.parse("2026-11-30T07:00:00Z"), "pi_1", null, amount);
    }
}
