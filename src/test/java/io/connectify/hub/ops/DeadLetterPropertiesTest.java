package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The wait before a dead letter's automatic replay: doubled after each failed one, never above max-delay. */
class DeadLetterPropertiesTest {

    private static final DeadLetterProperties.AutoReplay AUTO_REPLAY = new DeadLetterProperties.AutoReplay(
            Duration.ofMinutes(1), Duration.ofMinutes(30), 10, Duration.ofSeconds(30), Duration.ofMinutes(5));

    @Test
    void theWaitDoublesAfterEachReplayUpToMaxDelay() {
        assertThat(AUTO_REPLAY.delay(0)).isEqualTo(Duration.ofMinutes(1));
        assertThat(AUTO_REPLAY.delay(1)).isEqualTo(Duration.ofMinutes(2));
        assertThat(AUTO_REPLAY.delay(4)).isEqualTo(Duration.ofMinutes(16));
        assertThat(AUTO_REPLAY.delay(5)).as("32 minutes, capped").isEqualTo(Duration.ofMinutes(30));
        assertThat(AUTO_REPLAY.delay(9)).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void theCapHoldsForAnyCountOfReplaysWithoutOverflowing() {
        // a count read from a message header may be anything: 2^63 nanoseconds overflow a Duration's arithmetic
        assertThat(AUTO_REPLAY.delay(100)).isEqualTo(Duration.ofMinutes(30));
        assertThat(AUTO_REPLAY.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void aFirstWaitLongerThanMaxDelayIsCappedToo() {
        var longFirst = new DeadLetterProperties.AutoReplay(Duration.ofHours(1), Duration.ofMinutes(30), 10,
                Duration.ofSeconds(30), Duration.ofMinutes(5));

        assertThat(longFirst.delay(0)).isEqualTo(Duration.ofMinutes(30));
        assertThat(longFirst.delay(3)).isEqualTo(Duration.ofMinutes(30));
    }
}
