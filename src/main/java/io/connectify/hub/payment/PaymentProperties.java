package io.connectify.hub.payment;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Provider choice by currency, refund policy and what cancellation does to the calendar event. */
@ConfigurationProperties("connectify.payment")
public record PaymentProperties(String defaultProvider, Map<String, String> providerByCurrency,
                                Duration refundCutOff, String cancelledEvent) {

    public PaymentProperties {
        // currency codes in capitals: an environment variable's map key comes in lower case
        // (..._PROVIDERBYCURRENCY_EUR)
        Map<String, String> byCode = new HashMap<>();
        if (providerByCurrency != null) {
            providerByCurrency.forEach((code, provider) -> byCode.put(code.toUpperCase(Locale.ROOT), provider));
        }
        providerByCurrency = Map.copyOf(byCode);
    }

    /** The provider a booking asked for, else the one configured for its currency, else the default. */
    public String providerFor(String requested, String currency) {
        if (requested != null && !requested.isBlank()) {
            return requested;
        }
        return currency == null ? defaultProvider
                : providerByCurrency.getOrDefault(currency.toUpperCase(Locale.ROOT), defaultProvider);
    }

    public boolean deleteCancelledEvents() {
        return !"mark-cancelled".equals(cancelledEvent);
    }
}
