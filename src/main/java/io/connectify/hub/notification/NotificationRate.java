package io.connectify.hub.notification;

import io.connectify.hub.ops.cluster.RateShare;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * The notification throttle's limit on this instance: its share of {@code connectify.notifications.rate}
 * ({@link RateShare}: the cluster's rate divided among the live instances by default). Camel's throttle evaluates its
 * expression per message and takes a changed limit at once (a lower one by taking back permits as they come free),
 * so instances coming and going change it without a restart. Gauge
 * {@code connectify_rate_share{limit="notifications"}}: each channel's share (both channels have the one rate).
 */
@Component("notificationRate")
public class NotificationRate implements MeterBinder {

    private final NotificationProperties properties;
    private final RateShare share;

    public NotificationRate(NotificationProperties properties, RateShare share) {
        this.properties = properties;
        this.share = share;
    }

    /** Notifications a period ({@code connectify.notifications.period-millis}) this instance sends per channel. */
    public int perInstance() {
        return share.of(properties.rate());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(RateShare.GAUGE, this, NotificationRate::perInstance)
                .description(RateShare.GAUGE_DESCRIPTION)
                .tag("limit", "notifications")
                .register(registry);
    }
}
