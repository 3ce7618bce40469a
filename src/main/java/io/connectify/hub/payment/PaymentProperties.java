package io.connectify.hub.payment;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Provider choice by currency, refund policy and what cancellation does to the calendar event. Provider names and
 * the cancelled-event choice are taken in any case ({@code Stripe}) and kept in lower case, which the payment router
 * compares with; anything else stops the start (an unknown default provider failed every booking at run time).
 */
@ConfigurationProperties("connectify.payment")
public record PaymentProperties(String defaultProvider, Map<String, String> providerByCurrency,
                                Duration refundCutOff, String cancelledEvent) {

    /** The providers the payment router (payment-api.camel.yaml, payment-start) knows. */
    public static final List<String> PROVIDERS = List.of("stripe", "payrexx");
    public static final List<String> CANCELLED_EVENT = List.of("delete", "mark-cancelled");

    public PaymentProperties {
        defaultProvider = PropertyChecks.oneOf("connectify.payment.default-provider", defaultProvider, PROVIDERS);
        // currency codes in capitals: an environment variable's map key comes in lower case
        // (..._PROVIDERBYCURRENCY_EUR)
        Map<String, String> byCode = new HashMap<>();
        if (providerByCurrency != null) {
            providerByCurrency.forEach((code, provider) -> byCode.put(code.toUpperCase(Locale.ROOT),
                    PropertyChecks.oneOf("connectify.payment.provider-by-currency." + code.toUpperCase(Locale.ROOT),
                            provider, PROVIDERS)));
        }
        providerByCurrency = Map.copyOf(byCode);
        PropertyChecks.notNegative("connectify.payment.refund-cut-off", refundCutOff,
                "how long before the start a cancellation is still refunded");
        cancelledEvent = PropertyChecks.oneOf("connectify.payment.cancelled-event", cancelledEvent, CANCELLED_EVENT);
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
