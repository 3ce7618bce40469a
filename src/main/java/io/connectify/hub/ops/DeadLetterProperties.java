package io.connectify.hub.ops;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
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
     * often one instance looks for replays due; {@code overdueAfter}: a replay due longer than this is overdue (no
     * instance leads, or the sweep fails): gauge connectify_dead_letters_replay_overdue, alert DeadLetterReplayOverdue.
     */
    public record AutoReplay(Duration firstAfter, Duration maxDelay, int maxReplays, Duration interval,
                             Duration overdueAfter) {

        public AutoReplay {
            PropertyChecks.positive("connectify.dead-letters.auto-replay.interval", interval, PropertyChecks.TIMER);
            PropertyChecks.positive("connectify.dead-letters.auto-replay.overdue-after", overdueAfter,
                    "a replay due longer than this counts as overdue");
            if (overdueAfter.compareTo(interval) <= 0) {
                // a replay waits up to an interval for the sweep that makes it: a shorter overdue-after would count
                // replays on time as overdue, and alert on a healthy hub
                throw ConfigurationError.invalid("connectify.dead-letters.auto-replay.overdue-after must be longer "
                        + "than connectify.dead-letters.auto-replay.interval (" + interval + "), not " + overdueAfter);
            }
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
