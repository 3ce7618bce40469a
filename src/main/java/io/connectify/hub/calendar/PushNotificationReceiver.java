package io.connectify.hub.calendar;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Optional;

import io.connectify.hub.resilience.NotFoundException;
import io.connectify.hub.resilience.UnauthorizedException;
import io.connectify.hub.webhook.WebhookAudit;
import io.connectify.hub.webhook.WebhookMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * A Google Calendar push notification (route gcal-webhook-receive). Google signs nothing: the channel token it was
 * given is compared in constant time (wrong or missing: 401 unauthorized), then the channel must be one the hub
 * opened and still runs (unknown, stopped or expired: 404 not-found, as for a path with nothing behind it). Only then
 * is the state read: {@code exists} (something changed; Google says neither what nor which event) and {@code sync}
 * (a new channel's first message: what changed while none was open) start a re-check of the bookings' events in the
 * background, coalesced, so the answer goes out at once. A channel's first notification is recorded (the renewal
 * replaces a channel that sends none within first-sync-within). The body is empty; no header of the request is kept or
 * answered, but for the resource id of a channel whose watch request failed.
 * <p>
 * Such a channel sending means Google opened it all the same (its answer lost): it is taken as any other (the token
 * proves Google, and its news is true), and the resource id it names is recorded, so that the renewal's next look
 * stops it. Not stopped here: channels are opened and stopped by the renewal alone, one instance at a time, and a stop
 * (retried, rate-limited) has no place on the request Google waits on. A channel whose watch is still under way is
 * never taken for such a one (its first sync may come before Google's answer): only a failure marks a channel.
 */
@Component("gcalPushReceiver")
public class PushNotificationReceiver implements Processor {

    private static final Logger log = LoggerFactory.getLogger(PushNotificationReceiver.class);
    /** The width of gcal_push_channel.resource_id. */
    private static final int MAX_RESOURCE_ID = 255;

    private final GoogleCalendarPushProperties push;
    private final PushChannelRepository channels;
    private final CoalescingRun rechecks;
    private final PushMetrics metrics;
    private final WebhookMetrics webhooks;
    private final WebhookAudit audit;
    private final Clock clock;

    public PushNotificationReceiver(GoogleCalendarPushProperties push, PushChannelRepository channels,
                                    @Qualifier("gcalRechecks") CoalescingRun rechecks, PushMetrics metrics,
                                    WebhookMetrics webhooks, WebhookAudit audit, Clock clock) {
        this.push = push;
        this.channels = channels;
        this.rechecks = rechecks;
        this.metrics = metrics;
        this.webhooks = webhooks;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        var message = exchange.getMessage();
        if (!push.enabled()) {
            webhooks.rejected(GoogleCalendarConfig.PROVIDER, WebhookMetrics.PUSH_OFF);
            audit.refused(GoogleCalendarConfig.PROVIDER, WebhookMetrics.PUSH_OFF, exchange);
            throw new NotFoundException("No resource at this path");
        }
        String token = message.getHeader("X-Goog-Channel-Token", String.class);
        if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                push.token().getBytes(StandardCharsets.UTF_8))) {
            webhooks.rejected(GoogleCalendarConfig.PROVIDER, WebhookMetrics.BAD_TOKEN);
            audit.rejected(GoogleCalendarConfig.PROVIDER, exchange);
            log.warn("Google Calendar notification with a wrong or missing channel token rejected");
            throw new UnauthorizedException("A valid X-Goog-Channel-Token header is required");
        }
        String channelId = message.getHeader("X-Goog-Channel-ID", String.class);
        String resourceId = message.getHeader("X-Goog-Resource-ID", String.class);
        Optional<PushChannelRepository.StoredChannel> channel = channelId == null || channelId.length() > 64
                ? Optional.empty() : channels.live(channelId, clock.instant());
        if (channel.isPresent() && channel.get().watchFailed() && channel.get().resourceId() == null
                && resourceId != null && resourceId.length() <= MAX_RESOURCE_ID) {
            if (channels.failedChannelSends(channelId, resourceId)) {
                metrics.orphanChannel("found");
                log.warn("Google Calendar push channel {} sends although its watch request failed: Google opened it, "
                        + "its answer lost; the renewal's next look stops it", channelId);
            }
            channel = channels.live(channelId, clock.instant());
        }
        // a channel whose watch answer is still under way has no resource id yet: its sync may come first
        if (channel.isEmpty() || (channel.get().resourceId() == null ? channel.get().watchFailed()
                : !channel.get().resourceId().equals(resourceId))) {
            webhooks.rejected(GoogleCalendarConfig.PROVIDER, WebhookMetrics.UNKNOWN_CHANNEL);
            audit.refused(GoogleCalendarConfig.PROVIDER, WebhookMetrics.UNKNOWN_CHANNEL, exchange);
            log.warn("Google Calendar notification for a channel the hub does not run rejected");
            throw new NotFoundException("No open notification channel with this id");
        }
        if (channel.get().firstSyncAt() == null) {
            // it delivers: the renewal no longer takes it for a channel Google cannot reach (first-sync-within)
            channels.firstSync(channelId, clock.instant());
        }
        String state = message.getHeader("X-Goog-Resource-State", String.class);
        metrics.notification(state);
        // not_exists: Google's state for a resource gone; on an events collection it means a change all the same;
        // sync: a new channel, and what changed while none was open is seen only by a re-check
        if ("exists".equals(state) || "not_exists".equals(state) || "sync".equals(state)) {
            rechecks.request();
        }
    }

    /** The periodic re-check (route gcal-recheck-bookings-periodic), while push is on. */
    public void periodicRecheck() {
        if (push.enabled()) {
            rechecks.request();
        }
    }
}
