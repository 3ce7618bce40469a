package io.connectify.hub.calendar;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keeps one Google Calendar push channel open on the hub's calendar (route gcal-renew-push-channel, a singleton).
 * With no channel, one expiring within renew-before, one to another address than the configured one, or one opened
 * with another token (its SHA-256 is stored with it, never the token), it opens a new channel (events.watch, a new
 * UUID as its id), stores it, then stops the channels it replaces (channels.stop), those older than it: a look on an
 * instance that lost the lease during its watch call may overlap one on the instance that took it, and neither stops
 * the newer channel (stopping all others, each could stop the other's). A stop that fails is logged and
 * tried again at the next look, and the old channel stays known to the webhook until it is stopped or expires, so
 * nothing Google sends in between is refused (but for a changed token's: the webhook compares the configured one).
 * Google calls go through the adapter routes (breaker, retries, rate limit of "google-calendar"). A failure is logged
 * and counted, and tried again at the next look; the channel in place keeps working until it expires. The route's
 * timer ticks every watch-retry-interval and looks when {@link #due}: renew-interval after the last look, but only
 * watch-retry-interval after a watch request that failed (doubling with each failure in a row, up to renew-interval);
 * before, the next look came a renew-interval later, an hour without push when the first channel failed to open. The
 * failures are read from the table, so the wait is the same on whichever instance leads: one that leads again after
 * the lease moved, its own next look an hour off, retries another's failed watch when that one would have. A channel
 * whose first notification (Google's sync, sent as it opens one) has not come first-sync-within after its watch is
 * counted (outcome no-sync), logged and replaced at the next tick: Google is not delivering to the address, and the
 * periodic re-check alone would hide it. Each channel in a row before it that sent nothing doubles that wait, up to
 * first-sync-within-max (read from the table, as the failed watches are); a channel that sends starts it over. The
 * periodic re-check runs meanwhile, as always while push is on. With push turned off (and Google live), the channels
 * still running are stopped at the next look.
 * <p>
 * A channel is kept until it expires within renew-before, or within half the life Google granted it (its expiration
 * less its watch's time, both in the table), whichever is shorter: Google may grant less than channel-ttl, and a
 * grant shorter than renew-before was, before, replaced at every look (every renew-interval a watch, a stop and the
 * new channel's sync starting a full re-check), for good. Such a grant is said once (a WARN naming it), and the look
 * at half its life is due by the table ({@link #due}), not only at the next renew-interval.
 * <p>
 * A watch request that fails may still have opened its channel: Google made it, but the answer was lost (a timeout,
 * a 5xx after creation, a retry with the same id refused as a duplicate). Its row is kept, marked failed, and never
 * becomes the channel in place; the next look opens another one with a new id. Should Google have opened it, it sends
 * (its sync, or the next change): the webhook takes it, records the resource id Google names, and the next look stops
 * it as it does a replaced channel. A watch never answered at all (the instance died during the call) is taken as
 * failed one renew-interval after it was made.
 */
@Component("gcalPushChannelRenewal")
public class PushChannelRenewal {

    private static final Logger log = LoggerFactory.getLogger(PushChannelRenewal.class);
    /** Expired channels are kept this long for a look at what happened, then deleted. */
    private static final Duration KEEP_EXPIRED = Duration.ofDays(30);

    private final GoogleCalendarGateway calendar;
    private final PushChannelRepository channels;
    private final GoogleCalendarPushProperties push;
    private final String calendarId;
    private final boolean live;
    private final PushMetrics metrics;
    private final Clock clock;
    /** The configured token's hash (null while push is off): compared with each channel's. */
    private final String tokenSha256;
    /**
     * When the timer next looks (null: at its next tick). This instance's: a look is made by the instance that leads,
     * and one that takes the lease over (its timer silent for more than two ticks) looks at its first tick.
     */
    private volatile Instant nextLook;
    /** When the timer last ticked here ({@link #due}). */
    private volatile Instant lastTick;
    /** When this instance last looked: a look due by the stored state (another's failure) is made once. */
    private volatile Instant lastLook;
    /** A grant shorter than renew-before is said once a run: Google grants each channel alike. */
    private final AtomicBoolean shortGrantSaid = new AtomicBoolean();

    public PushChannelRenewal(GoogleCalendarGateway calendar, PushChannelRepository channels,
                              GoogleCalendarPushProperties push, GoogleCalendarProperties properties,
                              PushMetrics metrics, Clock clock) {
        if (push.enabled() && !properties.live()) {
            // the simulator opens no channels, and Google cannot reach a sandbox hub: a start that says so
            throw new ConfigurationError("connectify.gcal.push.enabled needs a live Google Calendar "
                    + "(connectify.gcal.key-path): in sandbox mode there is no channel to open", "Set "
                    + "CONNECTIFY_GCAL_KEYPATH to go live, or CONNECTIFY_GCAL_PUSH_ENABLED=false.");
        }
        this.calendar = calendar;
        this.channels = channels;
        this.push = push;
        this.calendarId = properties.calendarId();
        this.live = properties.live();
        this.metrics = metrics;
        this.clock = clock;
        this.tokenSha256 = push.token() == null ? null : sha256(push.token());
    }

    /**
     * One look (the route also runs while push is off); answers the id of the channel in place afterwards (null when
     * push is off or none could be opened).
     */
    public String renew() {
        Instant now = clock.instant();
        // the next look as after any look; sooner after a failed watch (open). A look that throws (the database
        // down, say) is tried again then too, as before
        nextLook = now.plus(push.renewInterval());
        lastLook = now;
        if (!push.enabled()) {
            // channels opened while push was on would send until they expire (up to channel-ttl), every notification
            // refused: stopped once. In sandbox there are none (and no Google to ask)
            if (live) {
                stop(channels.running(now), "push is off", now);
            }
            return null;
        }
        // a look of its own takes at most a watch call's time, far less than renew-interval; older ones were not
        // answered, their instance gone: taken as failed, so the channel, if Google opened it, is stopped once it sends
        int unanswered = channels.failUnanswered(now.minus(push.renewInterval()), now);
        if (unanswered > 0) {
            log.warn("{} Google Calendar push channel(s) whose watch request was never answered (its instance stopped "
                    + "during the call) taken as not opened; stopped if they send", unanswered);
        }
        Optional<PushChannelRepository.StoredChannel> current = channels.current(calendarId, now);
        String why = current.map(channel -> whyReplace(channel, now)).orElse(null);
        if (why == null && current.isPresent() && current.get().firstSyncAt() == null) {
            int unsyncedBefore = channels.unsyncedInARowBefore(calendarId, current.get().createdAt());
            Duration waited = firstSyncWait(unsyncedBefore);
            if (!current.get().createdAt().plus(waited).isAfter(now)) {
                why = "no notification came within " + waited + " of its watch";
                metrics.channel("no-sync");
                // the replacement is given twice as long (up to first-sync-within-max): said, as it is the next WARN
                log.warn("Google Calendar push channel {} has sent nothing, not even the sync Google sends as it opens "
                        + "a channel, within {}: Google does not reach {}; replaced, the next one given {}",
                        current.get().id(), waited, push.address(), firstSyncWait(unsyncedBefore + 1));
            }
        }
        String inPlace;
        String replaced = null;
        if (current.isPresent() && why == null) {
            inPlace = current.get().id();
        } else {
            if (why != null) {
                replaced = current.get().id();
                log.info("Google Calendar push channel {} is replaced: {}", replaced, why);
            }
            inPlace = open(now);
            if (inPlace == null) {
                return current.map(PushChannelRepository.StoredChannel::id).orElse(null);
            }
        }
        stopOthers(inPlace, replaced, now);
        channels.deleteExpired(now.minus(KEEP_EXPIRED));
        return inPlace;
    }

    /**
     * Whether a tick of the renewal's timer (every watch-retry-interval) makes a look: a renew-interval after the last
     * look, or the wait after a failed watch request. Half a tick early rather than a tick late, the ticks and the
     * looks being timed apart.
     */
    public boolean due() {
        Instant now = clock.instant();
        Instant previous = lastTick;
        lastTick = now;
        if (previous == null || now.isAfter(previous.plus(push.watchRetryInterval().multipliedBy(2)))) {
            // the timer did not tick here meanwhile: this instance did not lead (its singleton route stopped), and its
            // next look is as it left it, while the instance that led may have failed to open a channel: look now
            return true;
        }
        Instant soon = now.plus(push.watchRetryInterval().dividedBy(2));
        Instant next = nextLook;
        if (next == null || !soon.isBefore(next)) {
            return true;
        }
        // another instance's failed watch, a channel whose first sync is late, or one to replace (a short grant's
        // half-life): due once, whoever looked before. Each on its own: one a look has passed hides no later one
        Instant looked = lastLook;
        return push.enabled() && lookDueByTheTable(now).stream()
                .anyMatch(due -> !soon.isBefore(due) && (looked == null || due.isAfter(looked)));
    }

    /**
     * When the stored channels make a look due, whichever instance made them (besides every renew-interval): the wait
     * after the failed watch requests in a row, the first-sync bound of the channel in place while it has sent
     * nothing, and when the channel in place is to be replaced ({@link #replaceWithin}).
     */
    private List<Instant> lookDueByTheTable(Instant now) {
        List<Instant> due = new ArrayList<>(3);
        channels.failedWatches(calendarId)
                .ifPresent(failed -> due.add(failed.lastFailedAt().plus(retryAfter(failed.inARow()))));
        channels.current(calendarId, now).ifPresent(channel -> {
            if (channel.firstSyncAt() == null) {
                due.add(firstSyncDue(channel));
            }
            due.add(channel.expiresAt().minus(replaceWithin(channel)));
        });
        return due;
    }

    /**
     * How long before its expiry a channel is replaced: renew-before, or half the life Google granted it when that is
     * shorter (a grant shorter than renew-before would be replaced at every look, each replacement as short).
     */
    private Duration replaceWithin(PushChannelRepository.StoredChannel channel) {
        Duration half = Duration.between(channel.createdAt(), channel.expiresAt()).dividedBy(2);
        return half.compareTo(push.renewBefore()) < 0 ? half : push.renewBefore();
    }

    /**
     * When a channel that has sent nothing is taken as not delivering (never for one that sent): first-sync-within
     * after its watch, doubled for each channel in a row before it that sent nothing either, up to
     * first-sync-within-max. Google that cannot reach the address (a wrong public URL, a firewall) seldom can 10
     * minutes later: before, a watch request, a WARN and a no-sync every 10 minutes for as long as it lasted. Read
     * from the table, so the wait is the same on whichever instance leads.
     */
    private Instant firstSyncDue(PushChannelRepository.StoredChannel channel) {
        if (channel.firstSyncAt() != null) {
            return Instant.MAX;
        }
        return channel.createdAt().plus(firstSyncWait(channels.unsyncedInARowBefore(calendarId, channel.createdAt())));
    }

    /** first-sync-within, doubled {@code unsyncedBefore} times, up to first-sync-within-max. */
    private Duration firstSyncWait(int unsyncedBefore) {
        Duration wait = push.firstSyncWithin();
        for (int i = 0; i < unsyncedBefore && wait.compareTo(push.firstSyncWithinMax()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(push.firstSyncWithinMax()) < 0 ? wait : push.firstSyncWithinMax();
    }

    /** Why a channel is no longer the one to keep open, or null. */
    private String whyReplace(PushChannelRepository.StoredChannel channel, Instant now) {
        if (!channel.expiresAt().isAfter(now.plus(replaceWithin(channel)))) {
            return "it expires " + channel.expiresAt();
        }
        if (!channel.address().equals(push.address())) {
            return "it sends to another address";
        }
        // Google sends the token it was given with every notification: one opened with another token (changed since,
        // or not recorded) has its notifications refused (401) until it is replaced
        if (!tokenSha256.equals(channel.tokenSha256())) {
            return "it was opened with another token";
        }
        return null;
    }

    /** The hex SHA-256 of a channel token: stored with the channel to compare, never the token itself. */
    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    private String open(Instant now) {
        String id = UUID.randomUUID().toString();
        Instant asked = now.plus(push.channelTtl());
        channels.insertPending(id, calendarId, push.address(), tokenSha256, asked, now);
        try {
            GoogleCalendarGateway.PushChannel opened = calendar.watch(id, push.address(), push.token(),
                    push.channelTtl(), asked);
            channels.opened(id, opened.resourceId(), opened.expiration());
            metrics.channel("opened");
            log.info("Google Calendar push channel {} opened on calendar {}, expires {}", id, calendarId,
                    opened.expiration());
            Duration granted = Duration.between(now, opened.expiration());
            if (granted.compareTo(push.renewBefore()) < 0 && shortGrantSaid.compareAndSet(false, true)) {
                log.warn("Google granted push channel {} {} of the {} asked (connectify.gcal.push.channel-ttl), "
                        + "less than connectify.gcal.push.renew-before ({}): each channel is replaced once half its "
                        + "life has passed ({} before it expires); said once", id, granted, push.channelTtl(),
                        push.renewBefore(), granted.dividedBy(2));
            }
            return id;
        } catch (RuntimeException e) {
            // kept, not deleted: Google may have opened it (its answer lost), and then it is stopped once it sends
            channels.watchFailed(id, now);
            metrics.channel("failed");
            // counted in the table, which the other instances read too: the wait doubles whoever failed before
            Duration retry = retryAfter(channels.failedWatches(calendarId)
                    .map(PushChannelRepository.FailedWatches::inARow).orElse(1));
            nextLook = now.plus(retry);
            // only the hub's typed errors' own words: the request's body holds the token
            log.error("Google Calendar push channel {} not opened ({}); tried again in {}", id, Causes.forLog(e),
                    retry);
            return null;
        }
    }

    /** The wait after the {@code failures}th failed watch request in a row: watch-retry-interval, doubled each time. */
    private Duration retryAfter(int failures) {
        Duration wait = push.watchRetryInterval();
        for (int i = 1; i < failures && wait.compareTo(push.renewInterval()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(push.renewInterval()) < 0 ? wait : push.renewInterval();
    }

    /** Those older than the channel in place (not a newer one an overlapping look opened), and the one replaced. */
    private void stopOthers(String inPlace, String replaced, Instant now) {
        stop(channels.replacedBy(inPlace, replaced, now), "replaced by " + inPlace, now);
    }

    private void stop(List<PushChannelRepository.StoredChannel> running, String why, Instant now) {
        for (PushChannelRepository.StoredChannel old : running) {
            try {
                calendar.stop(old.id(), old.resourceId());
                channels.stopped(old.id(), now);
                log.info("Google Calendar push channel {} stopped ({})", old.id(), old.watchFailed()
                        ? "Google opened it although its watch request failed" : why);
            } catch (NotFoundException gone) {
                channels.stopped(old.id(), now);
                log.info("Google Calendar push channel {} was stopped already", old.id());
            } catch (RuntimeException e) {
                log.warn("Google Calendar push channel {} not stopped ({}); it sends until {} or the next try",
                        old.id(), Causes.forLog(e), old.expiresAt());
                continue;
            }
            if (old.watchFailed()) {
                metrics.orphanChannel("stopped");
            }
        }
    }
}
