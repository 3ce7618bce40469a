package io.connectify.hub.payment;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Provider choice by currency, refund policy and what cancellation does to the calendar event. */
@ConfigurationProperties("connectify.payment")
public record PaymentProperties(String defaultProvider, Map<String, String> providerByCurrency,
                                Duration refundCutOff, String cancelledEvent) {

    public PaymentProperties {
        providerByCurrency = providerByCurrency == null ? Map.of() : providerByCurrency;
    }

    /** The provider a booking asked for, else the one configured for its currency, else the default. */
    public String providerFor(String requested, String currency) {
        if (requested != null && !requested.isBlank()) {
            return requested;
        }
        return providerByCurrency.getOrDefault(currency, defaultProvider);
    }

    public boolean deleteCancelledEvents() {
        return !"mark-cancelled".equals(cancelledEvent);
    }
}
