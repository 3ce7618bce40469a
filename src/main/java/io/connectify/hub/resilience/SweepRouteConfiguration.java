package io.connectify.hub.resilience;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

/**
 * Error handling of the timer routes, the sweeps (they say {@code routeConfigurationId: sweeps}; the routes they call
 * say {@code internal}, so a failure reaches this handling unlogged). A sweep that meets a row another transaction
 * holds past {@code connectify.database.lock-timeout} ({@link DatabaseBusy}) only passes one run: one WARN line
 * naming it, where Camel's default logged an ERROR with a stack trace and the message history for a state that
 * passes. Any other failure is still Camel's default: ERROR with its stack trace.
 */
@Component
public class SweepRouteConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "sweeps";

    @Override
    public void configuration() {
        routeConfiguration(ID)
                .onException(Exception.class).onWhen(exchange -> DatabaseBusy.is(exchange.getException()))
                .handled(true)
                .log(LoggingLevel.WARN, SweepRouteConfiguration.class.getName(), "${routeId}: a row it needed was "
                        + "held by another transaction past connectify.database.lock-timeout; this run stops here, "
                        + "the next run tries again");
    }
}
