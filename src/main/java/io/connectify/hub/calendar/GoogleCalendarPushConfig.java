package io.connectify.hub.calendar;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Google Calendar push: the coalesced re-check that a change notification starts. */
@Configuration(proxyBeanMethods = false)
public class GoogleCalendarPushConfig {

    /** The re-check's route; the run goes through it for its route metrics. */
    public static final String RECHECK = "direct:gcal-recheck-bookings";

    /** One re-check thread (Camel's, stopped with the context): runs never overlap on an instance. */
    @Bean
    CoalescingRun gcalRechecks(CamelContext camel, ProducerTemplate template) {
        return new CoalescingRun("Re-check of the bookings' calendar events",
                camel.getExecutorServiceManager().newSingleThreadExecutor(this, "gcal-recheck"),
                () -> template.sendBody(RECHECK, null));
    }
}
