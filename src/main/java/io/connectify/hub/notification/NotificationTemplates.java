package io.connectify.hub.notification;

import java.math.BigDecimal;
import java.text.NumberFormat;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Currency;
import java.util.Locale;
import java.util.ResourceBundle;

import io.connectify.hub.booking.Booking;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;

/**
 * Renders notification texts from {@code notifications/messages[_de].properties} (Spring's message source: locale
 * fallback to English), with the appointment time and the amount in the customer's time zone (the operator's copy:
 * the consultancy's) and locale, or in
 * English where the texts fell back to English (no "your appointment on mardi 1 décembre"). In an email's HTML body
 * every value is HTML-escaped: the name and summary are the caller's text, and must not become a link in a mail the
 * hub sends.
 */
@Component
public class NotificationTemplates {

    private static final String BASENAME = "notifications/messages";
    private static final ResourceBundle.Control NO_FALLBACK = ResourceBundle.Control.getNoFallbackControl(
            ResourceBundle.Control.FORMAT_PROPERTIES);

    private final ResourceBundleMessageSource messages = new ResourceBundleMessageSource();

    public NotificationTemplates() {
        messages.setBasename(BASENAME);
        messages.setDefaultEncoding("UTF-8");
        messages.setFallbackToSystemLocale(false);
    }

    public String render(String kind, String part, Booking booking) {
        return render(kind, part, booking, ZoneId.of(booking.customer().timeZone() != null
                ? booking.customer().timeZone() : booking.start().getOffset().getId()));
    }

    /**
     * The same with the appointment's time in {@code zone}: the operator's copy of a customer's SMS tells the time in
     * the consultancy's zone (the working hours'), where the customer's, with no zone named, read as the wrong hour.
     */
    public String render(String kind, String part, Booking booking, ZoneId zone) {
        Locale locale = textLocale(Locale.forLanguageTag(
                booking.customer().locale() == null ? "en" : booking.customer().locale()));
        String when = plainSpaces(DateTimeFormatter.ofLocalizedDateTime(FormatStyle.FULL, FormatStyle.SHORT)
                .withLocale(locale).format(booking.start().atZoneSameInstant(zone)));
        NumberFormat money = NumberFormat.getCurrencyInstance(locale);
        Currency currency = Currency.getInstance(booking.currency());
        money.setCurrency(currency);
        // the currency's own decimals (JPY none, KWD three): setCurrency keeps the locale's
        money.setMinimumFractionDigits(currency.getDefaultFractionDigits());
        money.setMaximumFractionDigits(currency.getDefaultFractionDigits());
        String amount = plainSpaces(money.format(BigDecimal.valueOf(booking.amount(),
                currency.getDefaultFractionDigits())));
        // what was paid (and so is refunded): a late payment recorded may differ from the price
        String paid = booking.paidAmount() == null ? amount : plainSpaces(money.format(BigDecimal.valueOf(
                booking.paidAmount(), currency.getDefaultFractionDigits())));
        Object[] values = {booking.customer().name(), when, booking.durationMinutes(), amount, booking.summary(),
                booking.id(), paid};
        if (part.equals("email.body")) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] instanceof String text) {
                    values[i] = HtmlUtils.htmlEscape(text);
                }
            }
        }
        return messages.getMessage(kind + "." + part, values, locale);
    }

    /** The customer's locale where the texts have its language, else English (the default texts' language). */
    static Locale textLocale(Locale customer) {
        String language = ResourceBundle.getBundle(BASENAME, customer, NO_FALLBACK).getLocale().getLanguage();
        return customer.getLanguage().equals(language.isEmpty() ? "en" : language) ? customer : Locale.ENGLISH;
    }

    /**
     * The locale data's narrow and no-break spaces as plain ones: between an amount and its currency (U+00A0), in
     * French thousands (U+202F) and, since Java 20's CLDR data, before "AM" (U+202F). None is in the GSM-7
     * alphabet, and one such character makes the whole SMS go as UCS-2: 70 characters a segment instead of 160,
     * each segment billed. The texts are then also the same on every Java version.
     */
    private static String plainSpaces(String formatted) {
        return formatted.replace('\u00a0', ' ').replace('\u202f', ' ').replace('\u2009', ' ').replace('\u2007', ' ');
    }
}
