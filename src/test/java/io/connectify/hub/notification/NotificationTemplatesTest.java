package io.connectify.hub.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

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
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "en", 5000, "JPY")))
                .contains("JPY 5,000 refunded");
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "en", 12345, "KWD")))
                .contains("KWD 12.345 refunded");
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "de", 9050, "CHF"))).contains("90,50 CHF");
    }

    @Test
    void aRefundNoticeTellsTheAmountPaidNotThePrice() {
        Booking price = booking("Ann", "x", "en", 9000, "CHF");
        Booking paidMore = new Booking(price.id(), BookingStatus.REFUNDED, price.start(), price.end(),
                price.durationMinutes(), 9000, "CHF", price.customer(), price.summary(), null, "payrexx", null, null,
                null, price.createdAt(), "4753", null, 9500L);
        assertThat(templates.render("refund", "sms", paidMore)).contains("CHF 95.00 refunded");
        assertThat(templates.render("refund", "email.body", paidMore)).contains("We refunded CHF 95.00");
        assertThat(templates.render("refund-failed", "sms", paidMore)).contains("could not refund CHF 95.00");
    }

    /**
     * A payment above the price confirms the booking: the confirmation tells the amount received, the same the later
     * refund notice tells. Before, it told the price (CHF 90.00), and the refund then CHF 95.00.
     */
    @Test
    void aConfirmationTellsThePaymentReceivedNotThePrice() {
        for (String locale : new String[] {"en", "de"}) {
            Booking b = booking("Ann", "x", locale, 9000, "CHF");
            Booking paidMore = new Booking(b.id(), BookingStatus.CONFIRMED, b.start(), b.end(), b.durationMinutes(),
                    9000, "CHF", b.customer(), b.summary(), null, "payrexx", null, null, null, b.createdAt(), "4753",
                    null, 9500L);
            String paid = locale.equals("en") ? "CHF 95.00" : "95,00 CHF";
            String price = locale.equals("en") ? "CHF 90.00" : "90,00 CHF";

            assertThat(templates.render("confirmation", "sms", paidMore)).as(locale).contains(paid)
                    .doesNotContain(price);
            assertThat(templates.render("confirmation", "email.body", paidMore)).as(locale).contains(paid)
                    .doesNotContain(price);
        }
        // no payment amount recorded: the price
        Booking b = booking("Ann", "x", "en", 9000, "CHF");
        Booking noAmount = new Booking(b.id(), BookingStatus.CONFIRMED, b.start(), b.end(), b.durationMinutes(), 9000,
                "CHF", b.customer(), b.summary(), null, "stripe", null, null, null, b.createdAt(), "pi_1", null, null);
        assertThat(templates.render("confirmation", "sms", noAmount)).contains("Payment received: CHF 90.00.");
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
                .contains("was not confirmed").contains("CHF 90.00 has been refunded").doesNotContain("cancelled");
        assertThat(templates.render("payment-refunded", "email.subject", en))
                .contains("has been refunded").doesNotContain("cancelled");
        assertThat(templates.render("payment-refunded", "email.body", en))
                .contains("was not confirmed").contains("We refunded your payment of CHF 90.00")
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

    /**
     * A confirmed (so paid) booking cancelled after the refund cut-off: its SMS says the payment is not refunded, as
     * every other cancellation's says what becomes of the money, in one GSM-7 segment (160 characters) for a typical
     * name and date. Before, "… has been cancelled. Connectify", only the email told the customer.
     */
    @Test
    void aCancellationAfterTheCutOffSaysInItsSmsThatThePaymentIsNotRefunded() {
        Booking en = benB("en");
        String sms = templates.render("cancellation", "sms", en);
        assertThat(sms).isEqualTo("Hello Ben B, your appointment on Tuesday, December 8, 2026, 9:00 AM has been "
                + "cancelled after the refund cut-off: your payment is not refunded. Connectify");
        Booking de = benB("de");
        String german = templates.render("cancellation", "sms", de);
        assertThat(german).isEqualTo("Hallo Ben B, Ihr Termin am Dienstag, 8. Dezember 2026, 09:00 wurde nach der "
                + "Rückerstattungsfrist abgesagt: Ihre Zahlung wird nicht erstattet. Connectify");
        for (String text : new String[] {sms, german}) {
            assertThat(outsideGsm7(text)).as(text).isEmpty();
            assertThat(text).as(text).hasSizeLessThanOrEqualTo(160);
        }
        // a longer date (weekday, month, day and hour each longer) still fits
        Booking longest = new Booking(en.id(), en.status(), OffsetDateTime.parse("2026-09-30T10:30:00+02:00"),
                OffsetDateTime.parse("2026-09-30T11:30:00+02:00"), 60, 9000, "CHF", en.customer(), "x", null,
                "stripe", null, null, null, en.createdAt(), "pi_1", null, 9000L);
        assertThat(templates.render("cancellation", "sms", longest)).contains("Wednesday, September 30, 2026, 10:30 AM")
                .hasSizeLessThanOrEqualTo(160);
    }

    /**
     * The README's claim: on the longest date (weekday, month, day and hour each longest), the after-the-cut-off SMS is
     * one segment for a name of up to 7 characters in English and 9 in German, two for a longer one ("John Doe").
     */
    @Test
    void aLateCancellationSmsIsOneSegmentForANameOfUpTo7CharactersInEnglishAnd9InGerman() {
        String[][] cases = {{"en", "Ann Lee", "John Doe", "2026-09-30T10:30:00+02:00"},
                {"de", "Ann Meier", "Anna Meier", "2026-09-24T10:30:00+02:00"}};
        for (String[] c : cases) {
            for (String name : new String[] {c[1], c[2]}) {
                Booking b = booking(name, "x", c[0], 9000, "CHF");
                Booking late = new Booking(b.id(), b.status(), OffsetDateTime.parse(c[3]),
                        OffsetDateTime.parse(c[3]).plusHours(1), 60, 9000, "CHF", b.customer(), "x", null, "stripe",
                        null, null, null, b.createdAt(), "pi_1", null, 9000L);
                String sms = templates.render("cancellation", "sms", late);
                assertThat(sms).as(sms).containsAnyOf("Wednesday, September 30, 2026, 10:30 AM",
                        "Donnerstag, 24. September 2026, 10:30");
                assertThat(sms.length()).as(sms).isEqualTo(name.equals(c[1]) ? 160 : 161);
            }
        }
    }

    /** Ben B's confirmed booking of 9000 CHF on Tuesday 2026-12-08 at 09:00 in Zurich, in {@code locale}. */
    private static Booking benB(String locale) {
        Booking b = booking("Ben B", "x", locale, 9000, "CHF");
        return new Booking(b.id(), BookingStatus.CONFIRMED, OffsetDateTime.parse("2026-12-08T09:00:00+01:00"),
                OffsetDateTime.parse("2026-12-08T10:00:00+01:00"), 60, 9000, "CHF", b.customer(), "x", null,
                "stripe", null, null, null, b.createdAt(), "pi_1", null, 9000L);
    }

    /**
     * English amounts are the currency's code, a plain space (GSM-7's, not Java's no-break one) and the number, for
     * every currency alike: "CHF 90.00" as the README quotes, "EUR 90.00" and "USD 90.00" rather than a symbol
     * ("€" is two GSM-7 characters, "$" names several dollars), "JPY 9,000" with its currency's decimals. An English
     * locale's own grouping stays (en-CH: "CHF 1'200.00"). German keeps its locale's form. Before, "CHF90.00",
     * "€90.00", "¥9,000".
     */
    @Test
    void anEnglishAmountIsItsCurrencysCodeASpaceAndTheNumber() {
        String[][] expected = {{"CHF", "9000", "CHF 90.00"}, {"EUR", "9000", "EUR 90.00"}, {"USD", "9000", "USD 90.00"},
                {"GBP", "9000", "GBP 90.00"}, {"JPY", "9000", "JPY 9,000"}, {"KWD", "12345", "KWD 12.345"},
                {"CHF", "120000", "CHF 1,200.00"}};
        for (String[] row : expected) {
            String sms = templates.render("refund", "sms", booking("Ann", "x", "en", Long.parseLong(row[1]), row[0]));
            assertThat(sms).as(row[0]).contains("cancelled and " + row[2] + " refunded.");
            assertThat(outsideGsm7(sms)).as(sms).isEmpty();
        }
        // a language without texts of its own: English amounts too
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "fr", 9000, "EUR")))
                .contains("cancelled and EUR 90.00 refunded.");
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "en-CH", 120000, "CHF")))
                .contains("cancelled and CHF 1'200.00 refunded.");
        assertThat(templates.render("refund", "email.body", booking("Ann", "x", "en-US", 9000, "USD")))
                .contains("We refunded USD 90.00 to");
        assertThat(templates.render("refund", "sms", booking("Ann", "x", "de", 9000, "CHF")))
                .contains("und 90,00 CHF erstattet");
    }

    /**
     * A confirmed booking moved to a start within the refund cut-off (the move allowed: the old start was outside
     * it): its move's SMS and email say a cancellation is no longer refunded; a move that stays outside it, or ends
     * exactly at the cut-off (still refunded), tells the usual text. Before, "Your payment carries over." alone.
     */
    @Test
    void aMoveIntoTheRefundCutOffSaysACancellationIsNoLongerRefunded() {
        Booking en = benB("en");
        Booking de = benB("de");
        // 20 hours before the new start; the cut-off is 24 h
        var within = new NotificationTemplates(Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC),
                java.time.Duration.ofHours(24));
        String sms = within.render("rescheduled", "sms", en);
        assertThat(sms).isEqualTo("Hello Ben B, your appointment has been moved to Tuesday, December 8, 2026, 9:00 AM "
                + "(60 min). As the new time is within the refund cut-off, a cancellation is no longer refunded. "
                + "Connectify");
        assertThat(within.render("rescheduled", "email.body", en)).contains("(60 minutes). Your payment carries over. "
                + "As the new time is within the refund cut-off, a cancellation is no longer refunded.</p>");
        String german = within.render("rescheduled", "sms", de);
        assertThat(german).isEqualTo("Hallo Ben B, Ihr Termin wurde auf Dienstag, 8. Dezember 2026, 09:00 (60 Min.) "
                + "verschoben. Da der neue Termin innerhalb der Rückerstattungsfrist liegt, wird eine Absage nicht "
                + "mehr erstattet. Connectify");
        assertThat(within.render("rescheduled", "email.body", de)).contains("Ihre Zahlung gilt weiter. Da der neue "
                + "Termin innerhalb der Rückerstattungsfrist liegt, wird eine Absage nicht mehr erstattet.</p>");
        for (String text : new String[] {sms, german}) {
            assertThat(outsideGsm7(text)).as(text).isEmpty();
            assertThat(text).as("two segments at most: " + text).hasSizeLessThanOrEqualTo(2 * 153);
        }
        // a cut-off of 12 hours: 20 hours ahead is outside it
        var shorter = new NotificationTemplates(Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC),
                java.time.Duration.ofHours(12));
        assertThat(shorter.render("rescheduled", "sms", en)).endsWith("(60 min). Connectify");

        // outside the cut-off, and exactly at it (still refunded): the usual texts
        for (String at : new String[] {"2026-12-06T08:00:00Z", "2026-12-07T08:00:00Z"}) {
            var outside = new NotificationTemplates(Clock.fixed(Instant.parse(at), ZoneOffset.UTC),
                    java.time.Duration.ofHours(24));
            assertThat(outside.render("rescheduled", "sms", en)).as(at).isEqualTo("Hello Ben B, your appointment has "
                    + "been moved to Tuesday, December 8, 2026, 9:00 AM (60 min). Connectify");
            assertThat(outside.render("rescheduled", "email.body", en)).as(at)
                    .contains("(60 minutes). Your payment carries over.</p>").doesNotContain("cut-off");
            assertThat(outside.render("rescheduled", "sms", de)).as(at).endsWith("(60 Min.) verschoben. Connectify");
            assertThat(outside.render("rescheduled", "email.body", de)).as(at)
                    .contains("Ihre Zahlung gilt weiter.</p>").doesNotContain("Rückerstattungsfrist");
        }
        // only a move tells it: a confirmation within the cut-off says nothing of it
        assertThat(within.render("confirmation", "sms", en)).doesNotContain("cut-off");
    }

    /**
     * A booking cancelled in time while a refund made outside the hub is under way at the payment provider: that
     * refund pays the customer back; no "contact us to have it paid back", no cut-off, and no amount (the provider's
     * refund names none).
     */
    @Test
    void aCancellationWhileTheProvidersRefundIsUnderWaySaysThatRefundPaysTheCustomerBack() {
        for (String locale : new String[] {"en", "de"}) {
            Booking booking = booking("Ann", "x", locale, 9000, "CHF");
            for (String part : new String[] {"sms", "email.subject", "email.body"}) {
                assertThat(templates.render("cancellation-refund-outside", part, booking)).as(locale + " " + part)
                        .doesNotContain("contact us").doesNotContain("melden Sie sich")
                        .doesNotContain("cut-off").doesNotContain("Rückerstattungsfrist").doesNotContain("90");
            }
            for (String part : new String[] {"sms", "email.body"}) {
                assertThat(templates.render("cancellation-refund-outside", part, booking)).as(locale + " " + part)
                        .containsAnyOf("already under way with our payment provider",
                                "bereits laufende Rückerstattung Ihrer Zahlung bei unserem Zahlungsanbieter");
            }
            String sms = templates.render("cancellation-refund-outside", "sms", booking);
            assertThat(NotificationTest.outsideGsm7(sms)).as(locale + ": " + sms).isEmpty();
        }
    }

    /**
     * A booking cancelled in time after the payment provider refunded its payment outside the hub: in full, paid back
     * already (nothing under way, nothing to claim); in part, the rest refunded by the consultancy. Neither says
     * "contact us to have it paid back", names the cut-off or an amount (Payrexx names none for a part), and each SMS
     * stays in the GSM-7 alphabet.
     */
    @Test
    void aCancellationAfterTheProvidersRefundWasMadeSaysTheCustomerIsPaidBackAlready() {
        for (String locale : new String[] {"en", "de"}) {
            Booking booking = booking("Ann", "x", locale, 9000, "CHF");
            for (String kind : new String[] {"cancellation-refunded-outside", "cancellation-part-refunded"}) {
                for (String part : new String[] {"sms", "email.subject", "email.body"}) {
                    assertThat(templates.render(kind, part, booking)).as(locale + " " + kind + " " + part)
                            .doesNotContain("contact us").doesNotContain("melden Sie sich")
                            .doesNotContain("under way").doesNotContain("läuft").doesNotContain("laufende")
                            .doesNotContain("cut-off").doesNotContain("Rückerstattungsfrist").doesNotContain("90");
                }
                String sms = templates.render(kind, "sms", booking);
                assertThat(NotificationTest.outsideGsm7(sms)).as(locale + ": " + sms).isEmpty();
            }
            assertThat(templates.render("cancellation-refunded-outside", "email.body", booking)).as(locale)
                    .containsAnyOf("has already refunded your payment", "hat Ihre Zahlung bereits");
            assertThat(templates.render("cancellation-part-refunded", "email.body", booking)).as(locale)
                    .containsAnyOf("we refund the rest", "den Rest erstatten wir");
        }
    }

    /**
     * A booking cancelled whose refund could not be made yet (the provider down or refusing it): cancelled, the amount
     * paid being refunded, and told again once it is; neither refunded already, nor failed, nor the cut-off. Its SMS
     * stays in the GSM-7 alphabet (one character outside it and Twilio sends the whole text as UCS-2).
     */
    @Test
    void aCancellationWhoseRefundIsPendingSaysTheRefundIsBeingMadeAndWillBeTold() {
        Booking en = booking("Ann", "x", "en", 9000, "CHF");
        assertThat(templates.render("cancellation-refund-pending", "sms", en)).isEqualTo("Hello Ann, your appointment "
                + "on Tuesday, December 1, 2026, 9:00 AM has been cancelled. We are refunding CHF 90.00 and will tell "
                + "you once it is done. Connectify");
        assertThat(templates.render("cancellation-refund-pending", "email.subject", en))
                .isEqualTo("Your appointment on Tuesday, December 1, 2026, 9:00 AM has been cancelled: your refund is "
                        + "under way");
        assertThat(templates.render("cancellation-refund-pending", "email.body", en))
                .contains("has been cancelled. We are refunding CHF 90.00 to your original payment method and will let "
                        + "you know once the refund has been made.").contains("Booking reference: " + en.id());
        Booking de = booking("Ann", "x", "de", 9000, "CHF");
        assertThat(templates.render("cancellation-refund-pending", "sms", de)).isEqualTo("Hallo Ann, Ihr Termin am "
                + "Dienstag, 1. Dezember 2026, 09:00 wurde abgesagt. Wir erstatten 90,00 CHF und melden uns, sobald "
                + "die Rückerstattung erfolgt ist. Connectify");
        assertThat(templates.render("cancellation-refund-pending", "email.subject", de))
                .isEqualTo("Ihr Termin am Dienstag, 1. Dezember 2026, 09:00 wurde abgesagt: Ihre Rückerstattung ist "
                        + "unterwegs");
        assertThat(templates.render("cancellation-refund-pending", "email.body", de))
                .contains("wurde abgesagt. Wir erstatten 90,00 CHF auf Ihr ursprüngliches Zahlungsmittel und "
                        + "benachrichtigen Sie, sobald die Rückerstattung erfolgt ist.");
        for (Booking booking : new Booking[] {en, de}) {
            String sms = templates.render("cancellation-refund-pending", "sms", booking);
            assertThat(outsideGsm7(sms)).as(sms).isEmpty();
            for (String part : new String[] {"sms", "email.subject", "email.body"}) {
                assertThat(templates.render("cancellation-refund-pending", part, booking)).as(part)
                        .doesNotContain("could not", "konnten", "cut-off", "Rückerstattungsfrist", "refunded ",
                                "erstattet.");
            }
        }
    }

    /** The characters of a text outside GSM 03.38's alphabet and its extension table. */
    private static java.util.List<String> outsideGsm7(String sms) {
        String gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
                + "abcdefghijklmnopqrstuvwxyzäöñüà" + "^{}\\[~]|€";
        return sms.codePoints().filter(c -> gsm7.indexOf(c) < 0).mapToObj(Character::toString).toList();
    }

    /**
     * A payment refunded as it could not pay for its booking: its own amount in its own currency (not the price, not
     * the booking's currency), the price, and what the booking is now, read when the text is rendered: held for a
     * payment until its hold ends; no longer held (its hold over, not yet expired by the sweep, or EXPIRED); or, paid
     * by another payment or confirmed, nothing about waiting.
     */
    @Test
    void aPaymentRefundedAsItCannotPayTellsItsOwnAmountAndWhetherTheBookingStillWaitsForItsPayment() {
        Instant holdEnds = Instant.parse("2026-11-30T07:15:00Z");
        var beforeItEnds = new NotificationTemplates(Clock.fixed(Instant.parse("2026-11-30T07:05:00Z"), ZoneOffset.UTC));
        var afterItEnded = new NotificationTemplates(Clock.fixed(Instant.parse("2026-11-30T07:20:00Z"), ZoneOffset.UTC));
        var yen = new NotificationTemplates.Amount(9000, "JPY");
        Booking waiting = waiting("en", BookingStatus.PENDING_PAYMENT, holdEnds, null);

        assertThat(beforeItEnds.render("payment-mismatch", "sms", waiting, yen)).isEqualTo("Hello Ann, we have "
                + "refunded your payment of JPY 9,000: your booking for Tuesday, December 1, 2026, 9:00 AM costs "
                + "CHF 90.00. It stays reserved for your payment until Monday, November 30, 2026, 8:15 AM: please pay "
                + "CHF 90.00 in full, in that currency. Connectify");
        assertThat(beforeItEnds.render("payment-mismatch", "email.body", waiting, yen))
                .contains("we have refunded your payment of JPY 9,000 to your original payment method")
                .contains("It stays reserved for your payment until Monday, November 30, 2026, 8:15 AM: please pay "
                        + "CHF 90.00 in full, in that currency.</p>");
        for (Booking unheld : new Booking[] {waiting, waiting("en", BookingStatus.EXPIRED, holdEnds, null)}) {
            assertThat(afterItEnded.render("payment-mismatch", "sms", unheld, yen)).as(unheld.status().name())
                    .contains("costs CHF 90.00. It is no longer reserved for you; you are welcome to book again and "
                            + "pay CHF 90.00 in full, in that currency. Connectify").doesNotContain("until");
        }
        for (Booking paid : new Booking[] {waiting("en", BookingStatus.PENDING_PAYMENT, null, 9000L),
                waiting("en", BookingStatus.CONFIRMED, null, 9000L)}) {
            assertThat(beforeItEnds.render("payment-mismatch", "sms", paid, new NotificationTemplates.Amount(4500,
                    "CHF"))).as(paid.status().name()).endsWith("your payment of CHF 45.00: your booking for Tuesday, "
                    + "December 1, 2026, 9:00 AM costs CHF 90.00. Connectify");
        }
        Booking de = waiting("de", BookingStatus.PENDING_PAYMENT, holdEnds, null);
        assertThat(beforeItEnds.render("payment-mismatch", "sms", de, yen)).isEqualTo("Hallo Ann, wir haben Ihre "
                + "Zahlung von 9.000 ¥ erstattet: Ihre Buchung für den Termin am Dienstag, 1. Dezember 2026, 09:00 "
                + "kostet 90,00 CHF. Der Termin bleibt bis Montag, 30. November 2026, 08:15 für Ihre Zahlung "
                + "reserviert: bitte bezahlen Sie 90,00 CHF vollständig in dieser Währung. Connectify");
        assertThat(afterItEnded.render("payment-mismatch", "email.subject", de, yen))
                .isEqualTo("Wir haben eine Zahlung für Ihren Termin am Dienstag, 1. Dezember 2026, 09:00 erstattet");
        assertThat(afterItEnded.render("payment-mismatch", "email.body", de, yen))
                .contains("nicht mehr für Sie reserviert");
    }

    /** A booking of 9000 CHF in {@code status}, its hold ending at {@code holdEnds}, paid {@code paid} (or not). */
    private static Booking waiting(String locale, BookingStatus status, Instant holdEnds, Long paid) {
        Booking b = booking("Ann", "x", locale, 9000, "CHF");
        return new Booking(b.id(), status, b.start(), b.end(), 60, 9000, "CHF", b.customer(), "x", null, "stripe",
                null, null, holdEnds, b.createdAt(), paid == null ? null : "pi_paid", null, paid);
    }

    @Test
    void aLanguageWithoutItsOwnTextsIsWrittenAllInEnglish() {
        assertThat(templates.render("confirmation", "sms", booking("Ann", "x", "fr", 9050, "CHF")))
                .startsWith("Hello Ann, your appointment on Tuesday, December 1, 2026")
                .contains("90.50").doesNotContain("90,50");
        assertThat(templates.render("confirmation", "sms", booking("Ann", "x", "de-CH", 9050, "CHF")))
                .startsWith("Hallo Ann, Ihr Termin am Dienstag, 1. Dezember 2026");
    }

    /**
     * Swiss and Liechtenstein locales group thousands with U+2019 ("CHF 1’200.00", "1’440 Min."), Austrian German with
     * a no-break space ("1 440 Min."): neither is in the GSM-7 alphabet, and one would send the whole SMS as UCS-2.
     * The amount and the duration are written with GSM-7 separators in every such locale.
     */
    @Test
    void aSwissOrAustrianSmsWithThousandsStaysInTheGsm7Alphabet() {
        for (String locale : new String[] {"de-CH", "de-LI", "en-CH", "de-AT"}) {
            Booking day = aDayLong(booking("Ann", "x", locale, 120000, "CHF"));
            for (String kind : new String[] {"confirmation", "rescheduled", "refund"}) {
                String sms = templates.render(kind, "sms", day);
                assertThat(NotificationTest.outsideGsm7(sms)).as(locale + " " + kind + ": " + sms).isEmpty();
            }
        }
        assertThat(templates.render("confirmation", "sms", aDayLong(booking("Ann", "x", "de-CH", 120000, "CHF"))))
                .contains("(1'440 Min.)").contains("CHF 1'200.00");
        assertThat(templates.render("confirmation", "sms", aDayLong(booking("Ann", "x", "de-AT", 120000, "CHF"))))
                .contains("(1 440 Min.)");
    }

    /** The booking lasting 1440 minutes (a duration with a thousands separator). */
    private static Booking aDayLong(Booking b) {
        return new Booking(b.id(), b.status(), b.start(), b.start().plusMinutes(1440), 1440, b.amount(), b.currency(),
                b.customer(), b.summary(), null, "stripe", null, null, null, b.createdAt(), "pi_1", null, b.amount());
    }

    /**
     * A booking given no summary (stored as "Consultation with" its customer) is told by the texts' own default in the
     * customer's language; one given its own summary keeps it, whatever its language. Before, a German email told
     * "Ihr Termin <strong>Consultation with Hans Müller</strong> am ...".
     */
    @Test
    void aBookingWithoutItsOwnSummaryIsToldInTheCustomersLanguage() {
        String stored = io.connectify.hub.booking.BookingService.defaultSummary("Hans Müller");

        assertThat(templates.render("confirmation", "email.body", booking("Hans Müller", stored, "de", 9000, "CHF")))
                .contains("Ihr Termin <strong>Beratung mit Hans M&uuml;ller</strong> am");
        assertThat(templates.render("confirmation", "email.body", booking("Hans Müller", stored, "en", 9000, "CHF")))
                .contains("your appointment <strong>Consultation with Hans M&uuml;ller</strong> on");
        // a language the texts do not have: English, as the rest of the text
        assertThat(templates.render("confirmation", "email.body", booking("Hans Müller", stored, "fr", 9000, "CHF")))
                .contains("<strong>Consultation with Hans M&uuml;ller</strong>");
        assertThat(templates.render("confirmation", "email.body", booking("Hans Müller", "Steuerberatung", "de", 9000,
                "CHF"))).contains("<strong>Steuerberatung</strong>");
    }

    /**
     * On 2027-10-31 Zurich's clocks go back: 02:00+02:00 and 02:00+01:00 are both bookable, an hour apart. A move
     * between them tells each with its zone's short name (English CEST/CET, German MESZ/MEZ), the SMS and the email
     * alike; a time that is there once keeps its text. Before, both moves read "Sunday, October 31, 2027, 2:00 AM".
     */
    @Test
    void aMoveBetweenTheTwoHoursOfTheAutumnClockChangeTellsWhichHour() {
        String[][] cases = {{"en", "Sunday, October 31, 2027, 2:00 AM CEST", "Sunday, October 31, 2027, 2:00 AM CET"},
                {"de", "Sonntag, 31. Oktober 2027, 02:00 MESZ", "Sonntag, 31. Oktober 2027, 02:00 MEZ"}};
        for (String[] c : cases) {
            Booking first = at(booking("Ann", "x", c[0], 9000, "CHF"), "2027-10-31T02:00:00+02:00");
            Booking second = at(first, "2027-10-31T02:00:00+01:00");
            for (String part : new String[] {"sms", "email.subject", "email.body"}) {
                String toFirst = templates.render("rescheduled", part, first);
                String toSecond = templates.render("rescheduled", part, second);
                assertThat(toFirst).as(part).contains(c[1]).isNotEqualTo(toSecond);
                assertThat(toSecond).as(part).contains(c[2]);
            }
            // the hour after (03:00 CET) is there once: no zone named
            assertThat(templates.render("rescheduled", "sms", at(first, "2027-10-31T03:00:00+01:00")))
                    .contains(c[0].equals("en") ? "2027, 3:00 AM (60 min)" : "2027, 03:00 (60 Min");
        }
        // the operator's copy, in the consultancy's zone, likewise
        Booking first = at(booking("Ann", "x", "en", 9000, "CHF"), "2027-10-31T02:00:00+02:00");
        assertThat(templates.render("rescheduled", "sms", first, ZoneId.of("Europe/Zurich"), null))
                .contains("2:00 AM CEST");
    }

    /** {@code b} starting at {@code start}, an hour long. */
    private static Booking at(Booking b, String start) {
        OffsetDateTime s = OffsetDateTime.parse(start);
        return new Booking(b.id(), b.status(), s, s.plusHours(1), 60, b.amount(), b.currency(), b.customer(),
                b.summary(), null, "stripe", null, null, null, b.createdAt(), "pi_1", null, b.amount());
    }

    private static Booking booking(String name, String summary, String locale, long amount, String currency) {
        return new Booking("7d6f2c3e-0000-4000-8000-000000000001", BookingStatus.CONFIRMED,
                OffsetDateTime.parse("2026-12-01T09:00:00+01:00"), OffsetDateTime.parse("2026-12-01T10:00:00+01:00"),
                60, amount, currency, new Customer(name, "ann@example.com", null, locale, "Europe/Zurich"),
                summary, null, "stripe", null, null, null, Instant.parse("2026-11-30T07:00:00Z"), "pi_1", null, amount);
    }
}
