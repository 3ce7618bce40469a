package io.connectify.hub.ops;

import java.time.Duration;

import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The dead-letter channel: how often a queued message that fails is redelivered in place, and how a dead letter of
 * a passing failure is replayed on its own ({@link DeadLetterStore}).
 */
@ConfigurationProperties("connectify.dead-letters")
public record DeadLetterProperties(int maxRedeliveries, Duration redeliveryDelay, AutoReplay autoReplay) {

    /**
     * {@code firstAfter}: the wait before the first automatic replay, doubled after each failure more up to
     * {@code maxDelay}; {@code maxReplays}: then it waits for a person (0: never on its own); {@code interval}: how
     * often one instance looks for replays due.
     */
    public record AutoReplay(Duration firstAfter, Duration maxDelay, int maxReplays, Duration interval) {

        public AutoReplay {
            PropertyChecks.positive("connectify.dead-letters.auto-replay.interval", interval, PropertyChecks.TIMER);
        }

        /** The wait before a message's automatic replay after it has had {@code replays} of them. */
        public Duration delay(int replays) {
            Duration delay = firstAfter;
            for (int i = 0; i < replays && delay.compareTo(maxDelay) < 0; i++) {
                delay = delay.multipliedBy(2);
            }
            return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
        }
    }
}
