package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.connectify.hub.booking.BookingRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The gauges over the booking table, read as a scrape reads them. */
class HubMetricsTest {

    /**
     * The refunds awaiting their provider: a scrape reads both gauges (how many, and the longest wait) from one count
     * of the booking table, not one each; a gauge read again (the next scrape) counts again. Before, each gauge ran
     * the same aggregate.
     */
    @Test
    void bothGaugesOfTheRefundsAwaitingTheProviderShareOneCountPerScrape() {
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        BookingRepository bookings = mock(BookingRepository.class);
        when(bookings.countAwaitingProviderRefund(anyString(), anyString()))
                .thenReturn(new BookingRepository.Awaiting(3, now.minusSeconds(7200)))
                .thenReturn(new BookingRepository.Awaiting(0, null));
        DeadLetterProperties deadLetters = mock(DeadLetterProperties.class);
        DeadLetterProperties.AutoReplay replay = mock(DeadLetterProperties.AutoReplay.class);
        when(deadLetters.autoReplay()).thenReturn(replay);
        when(replay.overdueAfter()).thenReturn(Duration.ofHours(1));
        var registry = new SimpleMeterRegistry();
        new HubMetrics(mock(JdbcClient.class), Clock.fixed(now, ZoneOffset.UTC), deadLetters, bookings,
                mock(BrokerQueueDepth.class), "stripe-events", "payrexx-events", "twilio-status", "notifications")
                .bindTo(registry);

        // a scrape
        assertThat(registry.get("connectify.refunds.awaiting.provider").gauge().value()).isEqualTo(3);
        assertThat(registry.get("connectify.refunds.awaiting.provider.oldest").gauge().value()).isEqualTo(7200);
        verify(bookings, times(1)).countAwaitingProviderRefund(anyString(), anyString());

        // the next one counts again
        assertThat(registry.get("connectify.refunds.awaiting.provider.oldest").gauge().value()).isZero();
        assertThat(registry.get("connectify.refunds.awaiting.provider").gauge().value()).isZero();
        verify(bookings, times(2)).countAwaitingProviderRefund(anyString(), anyString());
    }
}
