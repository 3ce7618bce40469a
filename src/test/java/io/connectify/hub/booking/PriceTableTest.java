package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.connectify.hub.resilience.NoMatchingPriceTierException;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    private final PriceTable table = new PriceTable(new PricingProperties("CHF", List.of(
            new PricingProperties.Tier(31, 60, 9000),
            new PricingProperties.Tier(15, 30, 5000),
            new PricingProperties.Tier(90, 120, 16000))));

    @Test
    void tierBoundsAreInclusive() {
        assertThat(table.priceFor(15)).isEqualTo(new Price(15, 5000, "CHF"));
        assertThat(table.priceFor(30)).isEqualTo(new Price(30, 5000, "CHF"));
        assertThat(table.priceFor(31)).isEqualTo(new Price(31, 9000, "CHF"));
        assertThat(table.priceFor(60)).isEqualTo(new Price(60, 9000, "CHF"));
        assertThat(table.priceFor(120).amount()).isEqualTo(16000);
    }

    @Test
    void durationsInGapsOrOutsideTheTableHaveNoTier() {
        for (int minutes : new int[] {-30, 0, 14, 61, 89, 121}) {
            assertThatThrownBy(() -> table.priceFor(minutes)).as("%d minutes", minutes)
                    .isInstanceOf(NoMatchingPriceTierException.class).hasMessageContaining(minutes + " minutes");
        }
    }

    @Test
    void aBrokenTableIsRefusedAtStartup() {
        assertThatThrownBy(() -> new PriceTable(new PricingProperties("chf", List.of(
                new PricingProperties.Tier(15, 30, 5000))))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PriceTable(new PricingProperties("CHF", List.of()))).isInstanceOf(
                IllegalArgumentException.class);
        assertThatThrownBy(() -> new PriceTable(new PricingProperties("CHF", List.of(
                new PricingProperties.Tier(15, 30, 5000), new PricingProperties.Tier(30, 60, 9000)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlap");
        assertThatThrownBy(() -> new PriceTable(new PricingProperties("CHF", List.of(
                new PricingProperties.Tier(15, 30, -1))))).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A free tier is refused: its Checkout completes with payment_status no_payment_required, which confirms no
     * booking, so the customer's booking expired though they completed the payment page (Payrexx refuses 0 at once).
     */
    @Test
    void aTierThatCostsNothingIsRefusedAtStartupByName() {
        assertThatThrownBy(() -> new PriceTable(new PricingProperties("CHF", List.of(
                new PricingProperties.Tier(31, 60, 9000), new PricingProperties.Tier(15, 30, 0)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connectify.pricing.tiers")
                .hasMessageContaining("at least 1");
        assertThat(new PriceTable(new PricingProperties("CHF", List.of(new PricingProperties.Tier(15, 30, 1))))
                .priceFor(15).amount()).isEqualTo(1);
    }
}
