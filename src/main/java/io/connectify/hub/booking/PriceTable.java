package io.connectify.hub.booking;

import java.util.Comparator;
import java.util.List;

import io.connectify.hub.resilience.NoMatchingPriceTierException;

/** The tier table of {@link PricingProperties}, checked once at startup: tiers must not overlap. */
public class PriceTable {

    private final String currency;
    private final List<PricingProperties.Tier> tiers;

    public PriceTable(PricingProperties properties) {
        if (properties.currency() == null || !properties.currency().matches("[A-Z]{3}")) {
            throw new IllegalArgumentException("connectify.pricing.currency must be an ISO 4217 code such as CHF");
        }
        if (properties.tiers() == null || properties.tiers().isEmpty()) {
            throw new IllegalArgumentException("connectify.pricing.tiers must not be empty");
        }
        this.currency = properties.currency();
        this.tiers = properties.tiers().stream().sorted(Comparator.comparingInt(PricingProperties.Tier::minMinutes))
                .toList();
        PricingProperties.Tier previous = null;
        for (PricingProperties.Tier tier : tiers) {
            if (tier.minMinutes() < 1 || tier.maxMinutes() < tier.minMinutes() || tier.amount() < 0) {
                throw new IllegalArgumentException("Invalid price tier " + tier
                        + ": need 1 <= min-minutes <= max-minutes and amount >= 0");
            }
            if (previous != null && tier.minMinutes() <= previous.maxMinutes()) {
                throw new IllegalArgumentException("Price tiers " + previous + " and " + tier + " overlap");
            }
            previous = tier;
        }
    }

    public Price priceFor(int durationMinutes) {
        return tiers.stream()
                .filter(t -> durationMinutes >= t.minMinutes() && durationMinutes <= t.maxMinutes())
                .findFirst()
                .map(t -> new Price(durationMinutes, t.amount(), currency))
                .orElseThrow(() -> new NoMatchingPriceTierException(
                        "No price tier covers a duration of " + durationMinutes + " minutes"));
    }
}
