package io.connectify.hub.notification;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * The notification fan-out: throttle rate per period, its durable queues (one per channel, and the single queue of
 * versions before them, still drained), whether this instance sends, and the recovery sweep of notifications whose
 * message was lost: how often it looks, how old an unsent one must be, how long one that fails to be queued again
 * is tried before it is left for a person, and how many bookings one sweep takes up at most.
 */
@ConfigurationProperties("connectify.notifications")
public record NotificationProperties(int rate, long periodMillis, String queue, String smsQueue, String emailQueue,
                                     boolean consumerEnabled, Duration recoveryInterval, Duration recoverAfter,
                                     Duration recoverGivenUpAfter, int recoverMaxPerSweep) {

    /** recover-max-per-sweep's default: the bookings (an SMS and an email each) the default throttle sends a sweep. */
    public static final int RECOVER_MAX_PER_SWEEP = 500;

    @ConstructorBinding // the one Spring binds: the other leaves recover-given-up-after and -max-per-sweep at defaults
    public NotificationProperties {
        PropertyChecks.atLeast("connectify.notifications.rate", rate, 1, "messages per period: 0 would send none");
        PropertyChecks.atLeast("connectify.notifications.period-millis", periodMillis, 1, "the throttle's period");
        PropertyChecks.positive("connectify.notifications.recovery-interval", recoveryInterval, PropertyChecks.TIMER);
        PropertyChecks.atLeast("connectify.notifications.recover-given-up-after", recoverGivenUpAfter, Duration.ZERO,
                "how long a booking whose notices fail to be queued again is tried before it is left for a person");
        PropertyChecks.atLeast("connectify.notifications.recover-max-per-sweep", recoverMaxPerSweep, 1,
                "bookings one recovery sweep takes up: 0 would queue none again");
        // one queue for two of them would join the channels again, or have the old queue's drain feed itself
        if (new HashSet<>(Arrays.asList(queue, smsQueue, emailQueue)).size() != 3) {
            throw ConfigurationError.invalid("connectify.notifications.queue, sms-queue and email-queue must be "
                    + "three different queues, not " + queue + ", " + smsQueue + ", " + emailQueue);
        }
    }

    /** With recover-given-up-after at its default, a day, and recover-max-per-sweep at its own. */
    public NotificationProperties(int rate, long periodMillis, String queue, String smsQueue, String emailQueue,
                                  boolean consumerEnabled, Duration recoveryInterval, Duration recoverAfter) {
        this(rate, periodMillis, queue, smsQueue, emailQueue, consumerEnabled, recoveryInterval, recoverAfter,
                Duration.ofDays(1), RECOVER_MAX_PER_SWEEP);
    }

    /** These, one recovery sweep taking up at most {@code max} bookings. */
    public NotificationProperties withRecoverMaxPerSweep(int max) {
        return new NotificationProperties(rate, periodMillis, queue, smsQueue, emailQueue, consumerEnabled,
                recoveryInterval, recoverAfter, recoverGivenUpAfter, max);
    }

    /** Every queue a notification's message may wait in: the channels' and the earlier versions' single queue. */
    public List<String> queues() {
        return List.of(smsQueue, emailQueue, queue);
    }
}
