package io.connectify.hub.calendar;

import java.time.Duration;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.PropertyChecks;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Google Calendar push notifications (a watch channel on the hub's calendar). Off by default: Google calls
 * {@code address} from the internet, which a hub on a laptop or behind a firewall does not have. When on, the address
 * and the channel token must be set (the token is a secret: no default, never logged or answered). A channel is
 * asked to live {@code channelTtl} (params.ttl; Google may grant less), is replaced once it expires within
 * {@code renewBefore}, or within half the life granted when that is shorter (a grant shorter than renewBefore is
 * Google's, not checked here: PushChannelRenewal), and the renewal
 * looks every {@code renewInterval}, which must be shorter than {@code renewBefore}, or a channel could run out
 * between two looks; the first look is {@code firstRenewalAfter} the start. After a watch request that failed, the
 * next look comes {@code watchRetryInterval} later, the wait doubling with each failure in a row up to
 * {@code renewInterval} (the renewal's timer ticks at this interval, so it is at most {@code renewInterval}). A channel
 * whose first notification (Google's sync, sent as it opens one) has not come {@code firstSyncWithin} after its watch
 * is counted, logged and replaced at the next tick; each channel in a row before it that sent nothing either doubles
 * that wait, up to {@code firstSyncWithinMax} (Google not reaching the address is seldom over in 10 minutes).
 * {@code recheckPageSize}: bookings read
 * per query by a re-check; {@code recheckInterval}: how often the bookings are re-checked without a notification
 * (Google does not promise to deliver every one, and a run that failed is not retried otherwise);
 * {@code massDeletionThreshold}: from this many bookings, a run that finds every one's event missing flags none (the
 * calendar read is no longer the one holding the hub's events).
 */
@ConfigurationProperties("connectify.gcal.push")
public record GoogleCalendarPushProperties(boolean enabled, String address, String token, Duration channelTtl,
                                           Duration renewBefore, Duration renewInterval,
                                           Duration firstRenewalAfter, Duration watchRetryInterval,
                                           Duration firstSyncWithin, Duration firstSyncWithinMax,
                                           int recheckPageSize,
                                           Duration recheckInterval, int massDeletionThreshold) {

    /** Google's limit on a channel token's length. */
    static final int MAX_TOKEN_LENGTH = 256;
    static final int MIN_TOKEN_LENGTH = 16;

    public GoogleCalendarPushProperties {
        address = PropertyChecks.blankToNull(address);
        token = PropertyChecks.blankToNull(token);
        PropertyChecks.positive("connectify.gcal.push.channel-ttl", channelTtl, "how long a watch channel lives");
        PropertyChecks.positive("connectify.gcal.push.renew-before", renewBefore,
                "how long before its expiry a channel is replaced");
        PropertyChecks.positive("connectify.gcal.push.renew-interval", renewInterval, PropertyChecks.TIMER);
        if (renewBefore.compareTo(channelTtl) >= 0) {
            throw ConfigurationError.invalid("connectify.gcal.push.renew-before must be shorter than "
                    + "connectify.gcal.push.channel-ttl (" + channelTtl + "), not " + renewBefore
                    + ": every new channel would be replaced at once");
        }
        if (renewInterval.compareTo(renewBefore) >= 0) {
            throw ConfigurationError.invalid("connectify.gcal.push.renew-interval must be shorter than "
                    + "connectify.gcal.push.renew-before (" + renewBefore + "), not " + renewInterval
                    + ": a channel could expire between two looks of the renewal");
        }
        PropertyChecks.positive("connectify.gcal.push.watch-retry-interval", watchRetryInterval,
                "how long after a failed watch request the renewal looks again");
        if (watchRetryInterval.compareTo(renewInterval) > 0) {
            throw ConfigurationError.invalid("connectify.gcal.push.watch-retry-interval must not be longer than "
                    + "connectify.gcal.push.renew-interval (" + renewInterval + "), not " + watchRetryInterval
                    + ": the renewal's timer ticks at it, and looks every renew-interval");
        }
        PropertyChecks.positive("connectify.gcal.push.first-sync-within", firstSyncWithin,
                "how long after its watch a channel's first notification (Google's sync) may take");
        PropertyChecks.positive("connectify.gcal.push.first-sync-within-max", firstSyncWithinMax,
                "the longest first-sync-within grows to after channels in a row that sent nothing");
        if (firstSyncWithinMax.compareTo(firstSyncWithin) < 0) {
            throw ConfigurationError.invalid("connectify.gcal.push.first-sync-within-max must not be shorter than "
                    + "connectify.gcal.push.first-sync-within (" + firstSyncWithin + "), not " + firstSyncWithinMax
                    + ": it is the most that wait doubles to");
        }
        PropertyChecks.notNegative("connectify.gcal.push.first-renewal-after", firstRenewalAfter,
                "how long after the start a channel is first opened");
        if (firstRenewalAfter == null) {
            throw ConfigurationError.invalid("connectify.gcal.push.first-renewal-after must be set");
        }
        PropertyChecks.atLeast("connectify.gcal.push.recheck-page-size", recheckPageSize, 1,
                "bookings read per query of a re-check");
        PropertyChecks.positive("connectify.gcal.push.recheck-interval", recheckInterval, PropertyChecks.TIMER);
        PropertyChecks.atLeast("connectify.gcal.push.mass-deletion-threshold", massDeletionThreshold, 1,
                "bookings all found deleted in one re-check that are taken for another calendar, not flagged");
        if (enabled) {
            if (address == null) {
                throw ConfigurationError.invalid("connectify.gcal.push.address must be set while "
                        + "connectify.gcal.push.enabled is true: the public https URL of /webhooks/google-calendar");
            }
            PropertyChecks.httpsOrLoopback("connectify.gcal.push.address", address,
                    "Google delivers push notifications to https addresses only");
            if (token == null) {
                throw ConfigurationError.invalid("connectify.gcal.push.token must be set while "
                        + "connectify.gcal.push.enabled is true: the secret Google sends back with every notification");
            }
            // the token's value never goes into a message
            if (token.length() < MIN_TOKEN_LENGTH || token.length() > MAX_TOKEN_LENGTH
                    || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw ConfigurationError.invalid("connectify.gcal.push.token must be " + MIN_TOKEN_LENGTH + " to "
                        + MAX_TOKEN_LENGTH + " visible ASCII characters (Google's limit is " + MAX_TOKEN_LENGTH
                        + "; it travels in a header)");
            }
        }
    }

    /** Keeps the token out of any toString a log line or a failure could print. */
    @Override
    public String toString() {
        return "GoogleCalendarPushProperties[enabled=" + enabled + ", address=" + address + ", token="
                + (token == null ? "unset" : "***") + ", channelTtl=" + channelTtl + ", renewBefore=" + renewBefore
                + ", renewInterval=" + renewInterval
                + ", firstRenewalAfter=" + firstRenewalAfter + ", watchRetryInterval=" + watchRetryInterval + ", firstSyncWithin=" + firstSyncWithin
                + ", firstSyncWithinMax=" + firstSyncWithinMax
                + ", recheckPageSize=" + recheckPageSize
                + ", recheckInterval=" + recheckInterval + ", massDeletionThreshold=" + massDeletionThreshold + "]";
    }
}
