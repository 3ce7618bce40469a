package io.connectify.hub.ops.cluster;

import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * This instance's share of a configured rate ({@code connectify.cluster.rate-scope}): with scope {@code cluster}
 * (the default) the rate is the whole cluster's, and each of the live instances ({@link LiveInstances}) takes
 * rate / instances, rounded down (so the shares never add up to more than the rate), at least 1 (a rate smaller
 * than the instance count is then exceeded: no instance is left without any); with scope {@code instance} each
 * takes the whole rate, as before. Read anew at each use: the notification throttle evaluates it per message, the
 * provider rate limiters are changed when the count changes ({@link #onChange}).
 */
public class RateShare {

    /** The gauge of this instance's share of a configured rate, tagged {@code limit} (a provider, "notifications"). */
    public static final String GAUGE = "connectify.rate.share";
    public static final String GAUGE_DESCRIPTION = "This instance's share of a configured rate: permits a period of a "
            + "provider's rate limiter, or notifications a period of a channel's throttle";

    /** Whose rate a configured rate is. */
    public enum Scope {
        /** The whole cluster's: divided among the live instances. */
        CLUSTER,
        /** Each instance's: N instances send N times the rate. */
        INSTANCE
    }

    private final IntSupplier instances;
    private final Scope scope;
    private final Consumer<Runnable> changes;

    /**
     * @param instances the live instances now ({@link LiveInstances#count})
     * @param changes   where a listener of their changes is registered ({@link LiveInstances#onChange})
     */
    RateShare(IntSupplier instances, Scope scope, Consumer<Runnable> changes) {
        this.instances = instances;
        this.scope = scope;
        this.changes = changes;
    }

    /** Each instance its whole rate, no cluster asked (a hub part made outside Spring, in a unit test). */
    public static RateShare whole() {
        return new RateShare(() -> 1, Scope.INSTANCE, listener -> { });
    }

    /** This instance's share of {@code rate} now. */
    public int of(int rate) {
        if (scope == Scope.INSTANCE) {
            return rate;
        }
        return Math.min(rate, Math.max(1, rate / Math.max(1, instances.getAsInt())));
    }

    /** Called after each change of the live instances' count (never, with scope {@code instance}). */
    public void onChange(Runnable listener) {
        if (scope == Scope.CLUSTER) {
            changes.accept(listener);
        }
    }
}
