package io.connectify.hub.booking;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The price tier table: a duration in [minMinutes, maxMinutes] costs {@code amount} minor units of {@code currency}. */
@ConfigurationProperties("connectify.pricing")
public record PricingProperties(String currency, List<Tier> tiers) {

    public record Tier(int minMinutes, int maxMinutes, long amount) {
    }
}
