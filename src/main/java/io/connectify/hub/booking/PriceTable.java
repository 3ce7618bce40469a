package io.connectify.hub.booking;

import java.util.Comparator;
import java.util.List;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.resilience.NoMatchingPriceTierException;

/**
 * The tier table of {@link PricingProperties}, checked once at startup: tiers must not overlap, and each costs at least
 * 1 minor unit.
 */
public class PriceTable {

    private final String currency;
    private final List<PricingProperties.Tier> tiers;

    public PriceTable(PricingProperties properties) {
        if (properties.currency() == null || !properties.currency().matches("[A-Z]{3}")) {
            throw ConfigurationError.invalid("connectify.pricing.currency must be an ISO 4217 code such as CHF");
        }
        if (properties.tiers() == null || properties.tiers().isEmpty()) {
            throw ConfigurationError.invalid("connectify.pricing.tiers must not be empty");
        }
        this.currency = properties.currency();
        this.tiers = properties.tiers().stream().sorted(Comparator.comparingInt(PricingProperties.Tier::minMinutes))
                .toList();
        PricingProperties.Tier previous = null;
        for (PricingProperties.Tier tier : tiers) {
            if (tier.minMinutes() < 1 || tier.maxMinutes() < tier.minMinutes()) {
                throw ConfigurationError.invalid("connectify.pricing.tiers", "Invalid price tier " + tier
                        + " in connectify.pricing.tiers: need 1 <= min-minutes <= max-minutes");
            }
            // a free appointment has no payment to confirm it: Stripe completes its Checkout with payment_status
            // no_payment_required, which confirms no booking (it would expire), and Payrexx refuses a 0 amount
            if (tier.amount() < 1) {
                throw ConfigurationError.invalid("connectify.pricing.tiers", "Invalid price tier " + tier
                        + " in connectify.pricing.tiers: "
                        + "the amount must be at least 1 (minor units); a free appointment is not supported through "
                        + "the payment flow");
            }
            if (previous != null && tier.minMinutes() <= previous.maxMinutes()) {
                throw ConfigurationError.invalid("connectify.pricing.tiers", "Price tiers " + previous + " and " + tier
                        + " in connectify.pricing.tiers overlap: each duration must have one price");
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
