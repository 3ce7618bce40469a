package io.connectify.hub.notification;

import java.math.BigDecimal;
import java.text.NumberFormat;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Currency;
import java.util.Locale;

import io.connectify.hub.booking.Booking;
import org.springframework.context.support.ResourceBundleMessageSource;
import org.springframework.stereotype.Component;

/**
 * Renders notification texts from {@code notifications/messages[_de].properties} (Spring's message source: locale
 * fallback to English), with the appointment time in the customer's time zone and locale.
 */
@Component
public class NotificationTemplates {

    private final ResourceBundleMessageSource messages = new ResourceBundleMessageSource();

    public NotificationTemplates() {
        messages.setBasename("notifications/messages");
        messages.setDefaultEncoding("UTF-8");
        messages.setFallbackToSystemLocale(false);
    }

    public String render(String kind, String part, Booking booking) {
        Locale locale = Locale.forLanguageTag(booking.customer().locale() == null ? "en" : booking.customer().locale());
        ZoneId zone = ZoneId.of(booking.customer().timeZone() != null ? booking.customer().timeZone()
                : booking.start().getOffset().getId());
        String when = plainSpaces(DateTimeFormatter.ofLocalizedDateTime(FormatStyle.FULL, FormatStyle.SHORT)
                .withLocale(locale).format(booking.start().atZoneSameInstant(zone)));
        NumberFormat money = NumberFormat.getCurrencyInstance(locale);
        Currency currency = Currency.getInstance(booking.currency());
        money.setCurrency(currency);
        String amount = plainSpaces(money.format(BigDecimal.valueOf(booking.amount(),
                currency.getDefaultFractionDigits())));
        return messages.getMessage(kind + "." + part, new Object[] {booking.customer().name(), when,
                booking.durationMinutes(), amount, booking.summary(), booking.id()}, locale);
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
