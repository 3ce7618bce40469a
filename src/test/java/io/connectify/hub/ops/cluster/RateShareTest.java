package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.resilience.ResilienceProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** A configured rate as the cluster's: each live instance's share of it. */
class RateShareTest {

    private final AtomicInteger instances = new AtomicInteger(1);
    private final List<Runnable> listeners = new ArrayList<>();

    private RateShare share(RateShare.Scope scope) {
        return new RateShare(instances::get, scope, listeners::add);
    }

    private void instancesNow(int count) {
        instances.set(count);
        listeners.forEach(Runnable::run);
    }

    @Test
    void eachLiveInstanceTakesItsShareRoundedDownAtLeastOneNeverMoreThanTheRate() {
        RateShare cluster = share(RateShare.Scope.CLUSTER);

        assertThat(cluster.of(100)).isEqualTo(100);
        instancesNow(2);
        assertThat(cluster.of(100)).isEqualTo(50);
        assertThat(cluster.of(5)).isEqualTo(2); // 2 + 2: never more than the rate over the cluster
        instancesNow(3);
        assertThat(cluster.of(100)).isEqualTo(33);
        assertThat(cluster.of(2)).isEqualTo(1); // a floor of 1: no instance left without any
        instancesNow(0); // never counted so (this instance's own row), but never a division by 0 either
        assertThat(cluster.of(7)).isEqualTo(7);
    }

    @Test
    void withScopeInstanceEachInstanceTakesTheWholeRateAsBefore() {
        RateShare instance = share(RateShare.Scope.INSTANCE);
        instancesNow(4);

        assertThat(instance.of(100)).isEqualTo(100);
        assertThat(RateShare.whole().of(100)).isEqualTo(100);
    }

    @Test
    void aProvidersRateLimiterTakesItsShareAndFollowsTheInstancesAsTheyComeAndGo() {
        var properties = new ResilienceProperties(new ResilienceProperties.Policy(null, null,
                new ResilienceProperties.RateLimiter(100, java.time.Duration.ofMinutes(1), java.time.Duration.ZERO)),
                Map.of("twilio", new ResilienceProperties.Policy(null, null,
                        new ResilienceProperties.RateLimiter(10, null, null))));
        var meters = new SimpleMeterRegistry();
        instancesNow(2);
        var resilience = new ProviderResilience(properties, meters, share(RateShare.Scope.CLUSTER));

        var stripe = resilience.rateLimiter("stripe");
        var twilio = resilience.rateLimiter("twilio");
        assertThat(stripe.getRateLimiterConfig().getLimitForPeriod()).isEqualTo(50);
        assertThat(twilio.getRateLimiterConfig().getLimitForPeriod()).isEqualTo(5);
        assertThat(meters.get("connectify.rate.share").tag("limit", "stripe").gauge().value()).isEqualTo(50);

        instancesNow(4); // two more instances
        assertThat(stripe.getRateLimiterConfig().getLimitForPeriod()).isEqualTo(25);
        assertThat(twilio.getRateLimiterConfig().getLimitForPeriod()).isEqualTo(2);
        assertThat(meters.get("connectify.rate.share").tag("limit", "twilio").gauge().value()).isEqualTo(2);

        instancesNow(1); // the others gone
        assertThat(stripe.getRateLimiterConfig().getLimitForPeriod()).isEqualTo(100);
        assertThat(twilio.getRateLimiterConfig().getLimitForPeriod()).isEqualTo(10);
    }

    /**
     * The live instances change between a new limiter's read of its share and the registry storing it (a heartbeat
     * right after start): the change's reshare does not see that limiter yet, yet it takes the new share. Before, it
     * kept the old one until the count changed again. Made deterministic: the count changes on the share's first
     * read, inside the limiter's creation.
     */
    @Test
    void aLimiterCreatedWhileTheInstancesChangeTakesTheNewShare() {
        var properties = new ResilienceProperties(new ResilienceProperties.Policy(null, null,
                new ResilienceProperties.RateLimiter(100, java.time.Duration.ofMinutes(1), java.time.Duration.ZERO)),
                Map.of());
        instancesNow(2);
        AtomicInteger reads = new AtomicInteger();
        var racing = new RateShare(() -> {
            int now = instances.get();
            if (reads.getAndIncrement() == 0) {
                instancesNow(4); // a heartbeat's change, its listeners run, between this read and the store
            }
            return now;
        }, RateShare.Scope.CLUSTER, listeners::add);
        var resilience = new ProviderResilience(properties, new SimpleMeterRegistry(), racing);

        var stripe = resilience.rateLimiter("stripe");

        assertThat(instances.get()).as("the change came while the limiter was created").isEqualTo(4);
        assertThat(stripe.getRateLimiterConfig().getLimitForPeriod()).isEqualTo(25);
    }
}
