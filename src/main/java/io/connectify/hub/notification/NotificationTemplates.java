package io.connectify.hub.notification;

import java.math.BigDecimal;
import java.text.NumberFormat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.FormatStyle;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.ResourceBundle;

import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingClock;
import io.connectify.hub.booking.BookingService;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.payment.PaymentProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * Renders notification texts from {@code notifications/messages[_de].properties} (Spring's message source: locale
 * fallback to English), with the appointment time and the amount in the customer's time zone (the operator's copy:
 * the consultancy's) and locale, or in
 * English where the texts fell back to English (no "your appointment on mardi 1 décembre"). In an email's HTML body
 * every value is HTML-escaped: the name and summary are the caller's text, and must not become a link in a mail the
 * hub sends. A booking given no summary of its own is told by the texts' {@code default-summary}, in the customer's
 * language. Every text is checked as the hub starts ({@link NotificationTemplateCheck}): none is missing in a language,
 * none fails to parse here.
 * <p>
 * A notice about one refunded payment is given its amount and currency ({@link Amount}), and what its booking is
 * now, read as it is rendered: waiting for a payment until its hold ends ({@code <kind>.held}, the hold's end), or
 * no longer held ({@code <kind>.released}), or neither (paid, confirmed, cancelled: no sentence). Rendered when the
 * notice is planned, and again from the booking then when it is queued again (no promise of a hold since ended).
 * Judged on the bookings' clock, the database's, as the hold is stored and expired ({@link BookingClock}): on the
 * instance's own, one running ahead told a customer whose hold still ran that it was released. Read only for a
 * booking that may still be held (a reading is a statement).
 * <p>
 * A notice whose texts have a {@code <kind>.within-cut-off} sentence (a move's) gets it as {@code {9}} when its
 * confirmed booking starts within the refund cut-off ({@code connectify.payment.refund-cut-off}) as the text is
 * rendered, judged as a cancel is (on the bookings' clock, exactly at the cut-off still refundable): a move into the
 * cut-off gave up the refund, and its customer is told so. Empty otherwise.
 * <p>
 * English amounts are the currency's ISO code, a plain space and the number ("CHF 90.00", "EUR 90.00", "JPY 9,000"),
 * as the README quotes them: Java's English puts the code or a symbol straight before the number ("CHF90.00",
 * "€90.00", "$90.00"); a symbol may name several currencies ("$"), and "€" takes two GSM-7 characters. German keeps
 * its locale's form ("90,00 CHF", "90,00 €").
 */
@Component
public class NotificationTemplates {

    static final String BASENAME = "notifications/messages";
    /** The parts of a notice the planner renders (NotificationPlanner): each kind has each, in every language. */
    static final List<String> PARTS = List.of("sms", "email.subject", "email.body");
    /** The sentences a kind's texts may have ({8}: held, released; {9}: within-cut-off): if English has, all have. */
    static final List<String> SENTENCES = List.of("held", "released", "within-cut-off");
    /** The summary told ({4}) of a booking given none of its own, in the customer's language ({0} the name). */
    static final String DEFAULT_SUMMARY = "default-summary";
    /** How many arguments a text is given: {0} to {9}. */
    static final int ARGUMENTS = 10;
    private static final ResourceBundle.Control NO_FALLBACK = ResourceBundle.Control.getNoFallbackControl(
            ResourceBundle.Control.FORMAT_PROPERTIES);

    /** The refund cut-off a text judges without the hub's configuration (application.yaml's default). */
    private static final Duration DEFAULT_REFUND_CUT_OFF = Duration.ofHours(24);

    private final ResourceBundleMessageSource messages = new ResourceBundleMessageSource();
    private final Clock clock;
    private final Duration refundCutOff;

    /** An amount in minor units of a currency (ISO 4217): a payment's, which may not be the booking's price's. */
    public record Amount(long minor, String currency) {
    }

    @Autowired
    public NotificationTemplates(@BookingClock Clock clock, PaymentProperties payments) {
        this(clock, payments.refundCutOff());
    }

    public NotificationTemplates(Clock clock, Duration refundCutOff) {
        this.clock = clock;
        this.refundCutOff = refundCutOff;
        messages.setBasename(BASENAME);
        messages.setDefaultEncoding("UTF-8");
        messages.setFallbackToSystemLocale(false);
    }

    /** Texts judged by {@code clock}, with the default refund cut-off (24 hours). */
    public NotificationTemplates(Clock clock) {
        this(clock, DEFAULT_REFUND_CUT_OFF);
    }

    /** Texts whose hold and cut-off sentences are judged by the system clock. */
    public NotificationTemplates() {
        this(Clock.systemUTC());
    }

    public String render(String kind, String part, Booking booking) {
        return render(kind, part, booking, (Amount) null);
    }

    /** {@code refunded}: the payment a notice of one refunded payment tells of; null for another notice. */
    public String render(String kind, String part, Booking booking, Amount refunded) {
        return render(kind, part, booking, ZoneId.of(booking.customer().timeZone() != null
                ? booking.customer().timeZone() : booking.start().getOffset().getId()), refunded);
    }

    /**
     * The same with the appointment's time (and a hold's end) in {@code zone}: the operator's copy of a customer's SMS
     * tells the time in the consultancy's zone (the working hours'), where the customer's, with no zone named, read as
     * the wrong hour.
     */
    public String render(String kind, String part, Booking booking, ZoneId zone, Amount refunded) {
        Locale locale = textLocale(Locale.forLanguageTag(
                booking.customer().locale() == null ? "en" : booking.customer().locale()));
        DateTimeFormatter times = DateTimeFormatter.ofLocalizedDateTime(FormatStyle.FULL, FormatStyle.SHORT)
                .withLocale(locale);
        String when = time(times, booking.start().atZoneSameInstant(zone));
        String amount = money(locale, booking.currency(), booking.amount());
        // what was paid (and so is refunded): a late payment recorded may differ from the price; a notice of one
        // refunded payment tells that payment's amount, in its own currency
        String paid = refunded != null ? money(locale, refunded.currency(), refunded.minor())
                : booking.paidAmount() == null ? amount : money(locale, booking.currency(), booking.paidAmount());
        boolean held = mayBeHeld(booking) && tellsItsHold(kind, locale) && heldFor(booking, clock.instant());
        String holdEnd = held ? time(times, booking.holdExpiresAt().atZone(zone)) : "";
        // formatted here as MessageFormat would ({2}: the locale's grouping), then cleaned as the amount is
        String minutes = gsm7Separators(NumberFormat.getInstance(locale).format(booking.durationMinutes()));
        Object[] values = {booking.customer().name(), when, minutes, amount, null,
                booking.id(), paid, holdEnd, "", ""};
        values[4] = summary(booking, locale, values);
        if (part.equals("email.body")) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] instanceof String text) {
                    values[i] = HtmlUtils.htmlEscape(text);
                }
            }
        }
        // what the booking is now, for a notice that has the sentence (none: empty): the texts' own words, as the
        // template's, its values escaped above
        String state = held ? "held" : waitsUnheld(booking) ? "released" : null;
        if (state != null) {
            values[8] = messages.getMessage(kind + "." + state, values, "", locale);
        }
        // the clock read last, only for a notice that tells it (a reading is a statement)
        if (booking.status() == BookingStatus.CONFIRMED && has(kind + ".within-cut-off", locale)
                && withinCutOff(booking, clock.instant())) {
            values[9] = messages.getMessage(kind + ".within-cut-off", values, "", locale);
        }
        return messages.getMessage(kind + "." + part, values, locale);
    }

    /**
     * The booking's summary as its customer reads it: its own, or for a booking given none the texts'
     * {@code default-summary} in the customer's language ("Beratung mit …"); what the notices tell and the payment
     * pages show (Stripe Checkout's line item, Payrexx's {@code purpose}). The stored summary is not changed.
     */
    public String summary(Booking booking) {
        return summary(booking, textLocale(Locale.forLanguageTag(
                booking.customer().locale() == null ? "en" : booking.customer().locale())),
                new Object[] {booking.customer().name()});
    }

    /** {@code values}: the default summary's arguments, {0} the customer's name. */
    private String summary(Booking booking, Locale locale, Object[] values) {
        return hasOwnSummary(booking) ? booking.summary() : messages.getMessage(DEFAULT_SUMMARY, values, locale);
    }

    /**
     * Whether the booking was given a summary of its own: not the one stored for a booking given none ("Consultation
     * with" its customer, BookingService), which the texts and payment pages tell in the customer's language instead.
     * The stored value stays as it is (the API returns it; the consultancy's calendar event shows it).
     */
    private static boolean hasOwnSummary(Booking booking) {
        return booking.summary() != null && !booking.summary().isBlank() && (booking.customer().name() == null
                || !booking.summary().equals(BookingService.defaultSummary(booking.customer().name())));
    }

    /** Waiting for a payment, none recorded, with a hold: held if that still runs ({@link #heldFor}). */
    private static boolean mayBeHeld(Booking booking) {
        return booking.status() == BookingStatus.PENDING_PAYMENT && !booking.paid() && booking.holdExpiresAt() != null;
    }

    /** Whether a notice of {@code kind} has a sentence telling the hold's end ({@code <kind>.held}). */
    private boolean tellsItsHold(String kind, Locale locale) {
        return has(kind + ".held", locale);
    }

    private boolean has(String code, Locale locale) {
        return messages.getMessage(code, null, null, locale) != null;
    }

    /**
     * Whether a cancel at {@code now} would not refund the booking: its start within the refund cut-off, judged as the
     * cancel judges it (BookingSaga: whole seconds, exactly at the cut-off still refunded).
     */
    private boolean withinCutOff(Booking booking, Instant now) {
        return now.truncatedTo(ChronoUnit.SECONDS).isAfter(booking.start().toInstant().minus(refundCutOff));
    }

    /** A booking that {@link #mayBeHeld}, its hold running (and its start ahead) at {@code now}. */
    private static boolean heldFor(Booking booking, Instant now) {
        return booking.holdExpiresAt().isAfter(now) && booking.start().toInstant().isAfter(now);
    }

    /** Unpaid and not (or no longer) held: its hold ended, its payment failed (a late payment may still pay it). */
    private static boolean waitsUnheld(Booking booking) {
        return !booking.paid() && (booking.status() == BookingStatus.PENDING_PAYMENT
                || booking.status() == BookingStatus.EXPIRED || booking.status() == BookingStatus.PAYMENT_FAILED);
    }

    /**
     * An amount in its currency's own decimals (JPY none, KWD three: setCurrency keeps the locale's), in the locale's
     * way, in English its ISO code, a space and the number ("CHF 90.00"); a code Java does not know as "9000 XYZ"
     * (never a failure: the notice is sent).
     */
    private static String money(Locale locale, String code, long minor) {
        Currency currency;
        try {
            currency = Currency.getInstance(code);
        } catch (IllegalArgumentException | NullPointerException unknown) {
            return minor + " " + code;
        }
        int decimals = Math.max(0, currency.getDefaultFractionDigits()); // -1: a pseudo-currency (XAU)
        boolean english = locale.getLanguage().equals(Locale.ENGLISH.getLanguage());
        NumberFormat money = english ? NumberFormat.getNumberInstance(locale)
                : NumberFormat.getCurrencyInstance(locale);
        money.setCurrency(currency);
        money.setMinimumFractionDigits(decimals);
        money.setMaximumFractionDigits(decimals);
        String number = money.format(BigDecimal.valueOf(minor, decimals));
        return gsm7Separators(english ? currency.getCurrencyCode() + " " + number : number);
    }

    /**
     * A time as {@code times} words it, and where its wall-clock time is there twice in its zone (the hour the clocks
     * go back) the zone's short name for its offset too, in the locale's words ("2:00 AM CEST" and "2:00 AM CET",
     * German "02:00 MESZ" and "MEZ"); or its offset ("GMT+2") where the zone names both hours alike. Without, a move
     * from the first 02:00 of 2027-10-31 in Zurich to the second was told in its old time's words ("moved to Sunday,
     * October 31, 2027, 2:00 AM"). Every other time keeps its text, no zone named.
     */
    private static String time(DateTimeFormatter times, ZonedDateTime at) {
        List<ZoneOffset> offsets = at.getZone().getRules().getValidOffsets(at.toLocalDateTime());
        if (offsets.size() < 2) {
            return gsm7Separators(times.format(at));
        }
        DateTimeFormatter named = zoned(times, false);
        boolean alike = named.format(at.withEarlierOffsetAtOverlap())
                .equals(named.format(at.withLaterOffsetAtOverlap()));
        return gsm7Separators(zoned(times, alike).format(at));
    }

    /** {@code times}, a space and the zone's short name, or with {@code offset} the offset ("GMT+2"). */
    private static DateTimeFormatter zoned(DateTimeFormatter times, boolean offset) {
        DateTimeFormatterBuilder zoned = new DateTimeFormatterBuilder().append(times).appendLiteral(' ');
        return (offset ? zoned.appendLocalizedOffset(TextStyle.SHORT) : zoned.appendZoneText(TextStyle.SHORT))
                .toFormatter(times.getLocale());
    }

    /** The customer's locale where the texts have its language, else English (the default texts' language). */
    static Locale textLocale(Locale customer) {
        String language = ResourceBundle.getBundle(BASENAME, customer, NO_FALLBACK).getLocale().getLanguage();
        return customer.getLanguage().equals(language.isEmpty() ? "en" : language) ? customer : Locale.ENGLISH;
    }

    /**
     * The locale data's separators outside the GSM-7 alphabet as GSM-7 ones: its narrow and no-break spaces as plain
     * ones (between an amount and its currency U+00A0, Austrian thousands U+00A0, French thousands U+202F and, since
     * Java 20's CLDR data, before "AM" U+202F), and the Swiss and Liechtenstein thousands' apostrophe U+2019
     * ("CHF 1’200.00", "1’440 Min.") as ASCII's. One such character makes the whole SMS go as UCS-2: 70 characters a
     * segment instead of 160, each segment billed. The texts are then also the same on every Java version.
     */
    private static String gsm7Separators(String formatted) {
        return formatted.replace('\u00a0', ' ').replace('\u202f', ' ').replace('\u2009', ' ').replace('\u2007', ' ')
                .replace('\u2019', '\'').replace('\u2018', '\'').replace('\u02bc', '\'');
    }
}
