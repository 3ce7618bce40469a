package io.connectify.hub.booking;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
public class BookingConfig {

    /**
     * The hub's notion of now, but for the bookings' times, which are the database's ({@link BookingClock}); tests
     * replace it (and that one) to make lead times and holds deterministic.
     */
    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SlotCalculator slotCalculator(AvailabilityProperties properties) {
        return new SlotCalculator(properties);
    }

    @Bean
    PriceTable priceTable(PricingProperties properties) {
        return new PriceTable(properties);
    }
}
