package io.connectify.hub.ops;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Route;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicy;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyConfiguration;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyNamingStrategy;
import org.apache.camel.spi.ManagementAgent;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.support.PatternHelper;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.stereotype.Component;

/**
 * Camel's route policy metrics (camel.metrics.enable-route-policy: {@code camel_route_policy_seconds},
 * {@code camel_exchanges_*_total} per routeId, as Camel names, tags and describes them), recorded without Camel's
 * {@code String.format} of the exchange property that holds each route's timer sample: Camel 4.17 formats
 * {@code "camel.route.policy-<route>-<exchange id>"} three times per route an exchange passes, a tenth of a
 * webhook's garbage on its request thread and consumer together (a JFR profile of the benchmark's fixed-rate run,
 * p8). The same key is built by concatenation here, the meters are Camel's own (registered by its policy when a route
 * starts), and every setting of camel.metrics.* still applies: Camel's factory, as its auto-configuration added it,
 * is replaced by this one with its configuration. A context-level or long-task setting is left to Camel's own code.
 */
@Component
public class RouteTimingPolicyFactory implements CamelContextConfiguration {

    /** After the auto-configuration added Camel's factory, before any route is created. */
    @Override
    public void beforeApplicationStart(CamelContext context) {
        List<RoutePolicyFactory> factories = context.getRoutePolicyFactories();
        for (int i = 0; i < factories.size(); i++) {
            if (factories.get(i) instanceof MicrometerRoutePolicyFactory camels && !(camels instanceof Lean)) {
                factories.set(i, new Lean(camels));
            }
        }
    }

    @Override
    public void afterApplicationStart(CamelContext context) {
    }

    /** Camel's factory, its settings copied, making {@link Timing} policies. */
    static final class Lean extends MicrometerRoutePolicyFactory {

        Lean(MicrometerRoutePolicyFactory camels) {
            setCamelContext(camels.getCamelContext());
            setMeterRegistry(camels.getMeterRegistry());
            setPrettyPrint(camels.isPrettyPrint());
            setSkipCamelInfo(camels.isSkipCamelInfo());
            setDurationUnit(camels.getDurationUnit());
            setNamingStrategy(camels.getNamingStrategy());
            setPolicyConfiguration(camels.getPolicyConfiguration());
        }

        @Override
        public RoutePolicy createRoutePolicy(CamelContext context, String routeId, NamedNode route) {
            Timing policy = new Timing(this);
            policy.setMeterRegistry(getMeterRegistry());
            policy.setPrettyPrint(isPrettyPrint());
            policy.setSkipCamelInfo(isSkipCamelInfo());
            policy.setDurationUnit(getDurationUnit());
            policy.setNamingStrategy(getNamingStrategy());
            policy.setConfiguration(getPolicyConfiguration());
            return policy;
        }
    }

    /** Camel's policy, each route's exchanges timed and counted by {@link RouteMeters} instead of Camel's own. */
    static final class Timing extends MicrometerRoutePolicy {

        private final Map<Route, RouteMeters> routes = new ConcurrentHashMap<>();

        Timing(MicrometerRoutePolicyFactory factory) {
            super(factory);
        }

        /** Whether this policy times and counts {@code route}'s exchanges itself. */
        boolean times(Route route) {
            return routes.containsKey(route);
        }

        /** Whether Camel's code is needed: the context-wide series or the long-task timer, which this leaves to it. */
        private boolean camelsOwn() {
            MicrometerRoutePolicyConfiguration configuration = getConfiguration();
            return configuration.isContextEnabled() || configuration.isLongTask();
        }

        @Override
        public void onStart(Route route) {
            super.onStart(route); // registers the route's counters
            if (!camelsOwn() && measured(route)) {
                routes.computeIfAbsent(route, r -> new RouteMeters(getMeterRegistry(), r, getNamingStrategy(),
                        getConfiguration()));
            }
        }

        @Override
        public void onRemove(Route route) {
            super.onRemove(route);
            RouteMeters meters = routes.remove(route);
            if (meters != null) {
                meters.removeTimer();
            }
        }

        @Override
        public void onExchangeBegin(Route route, Exchange exchange) {
            if (camelsOwn()) {
                super.onExchangeBegin(route, exchange);
                return;
            }
            RouteMeters meters = routes.get(route);
            if (meters != null) {
                meters.begin(exchange);
            }
        }

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            if (camelsOwn()) {
                super.onExchangeDone(route, exchange);
                return;
            }
            RouteMeters meters = routes.get(route);
            if (meters != null) {
                meters.done(exchange);
            }
        }

        /** The routes Camel's policy measures: route level on, kamelets' and templates' if registered, not excluded. */
        private boolean measured(Route route) {
            MicrometerRoutePolicyConfiguration configuration = getConfiguration();
            if (!configuration.isRouteEnabled()) {
                return false;
            }
            var management = route.getCamelContext().getManagementStrategy();
            ManagementAgent agent = management == null ? null : management.getManagementAgent();
            boolean kamelets = agent != null && agent.getRegisterRoutesCreateByKamelet();
            // as Camel's policy: a template's routes are measured unless a management agent says otherwise (the hub
            // runs none: camel-management is not on the classpath), a kamelet's only if one says so
            boolean templates = agent == null || agent.getRegisterRoutesCreateByTemplate();
            if (route.isCreatedByKamelet() && !kamelets || route.isCreatedByRouteTemplate() && !templates) {
                return false;
            }
            String exclude = configuration.getExcludePattern();
            return exclude == null || !PatternHelper.matchPatterns(route.getRouteId(), exclude.split(","));
        }
    }

    /** One route's meters, as Camel's policy registers and records them. */
    static final class RouteMeters {

        private final MeterRegistry registry;
        private final Route route;
        private final MicrometerRoutePolicyNamingStrategy naming;
        private final MicrometerRoutePolicyConfiguration configuration;
        /** Camel's exchange property name for the sample, up to the exchange id. */
        private final String samplePrefix;
        private final Counter succeeded;
        private final Counter failed;
        private final Counter total;
        private final Counter externalRedeliveries;
        private final Counter failuresHandled;
        /** Registered on the first exchange done, as Camel does. */
        private volatile Timer timer;

        RouteMeters(MeterRegistry registry, Route route, MicrometerRoutePolicyNamingStrategy naming,
                    MicrometerRoutePolicyConfiguration configuration) {
            this.registry = registry;
            this.route = route;
            this.naming = naming;
            this.configuration = configuration;
            this.samplePrefix = "camel.route.policy-" + route.getId() + "-";
            boolean counters = configuration.isAdditionalCounters();
            succeeded = counters && configuration.isExchangesSucceeded() ? counter(
                    naming.getExchangesSucceededName(route), "Number of successfully completed exchanges") : null;
            failed = counters && configuration.isExchangesFailed() ? counter(naming.getExchangesFailedName(route),
                    "Number of failed exchanges") : null;
            total = counters && configuration.isExchangesTotal() ? counter(naming.getExchangesTotalName(route),
                    "Total number of processed exchanges") : null;
            externalRedeliveries = counters && configuration.isExternalRedeliveries()
                    ? counter(naming.getExternalRedeliveriesName(route),
                    "Number of external initiated redeliveries (such as from JMS broker)") : null;
            failuresHandled = counters && configuration.isFailuresHandled()
                    ? counter(naming.getFailuresHandledName(route), "Number of failures handled") : null;
        }

        /** The counter Camel's policy registered for the route (the registry answers the same meter). */
        private Counter counter(String name, String description) {
            return Counter.builder(name).tags(naming.getExchangeStatusTags(route)).description(description)
                    .register(registry);
        }

        void begin(Exchange exchange) {
            exchange.setProperty(samplePrefix.concat(exchange.getExchangeId()), Timer.start(registry));
        }

        void done(Exchange exchange) {
            Object sample = exchange.removeProperty(samplePrefix.concat(exchange.getExchangeId()));
            if (sample instanceof Timer.Sample started) {
                started.stop(timer());
            }
            if (!configuration.isAdditionalCounters()) {
                return;
            }
            if (total != null) {
                total.increment();
            }
            if (exchange.isFailed()) {
                if (failed != null) {
                    failed.increment();
                }
            } else {
                if (succeeded != null) {
                    succeeded.increment();
                }
                if (failuresHandled != null && ExchangeHelper.isFailureHandled(exchange)) {
                    failuresHandled.increment();
                }
                if (externalRedeliveries != null && exchange.isExternalRedelivered()) {
                    externalRedeliveries.increment();
                }
            }
        }

        private Timer timer() {
            Timer known = timer;
            if (known == null) {
                Timer.Builder builder = Timer.builder(naming.getName(route)).tags(naming.getTags(route))
                        .description("Route performance metrics");
                if (configuration.getTimerInitiator() != null) {
                    configuration.getTimerInitiator().accept(builder);
                }
                known = builder.register(registry);
                timer = known;
            }
            return known;
        }

        void removeTimer() {
            Timer known = timer;
            if (known != null) {
                registry.remove(known);
            }
        }
    }
}
