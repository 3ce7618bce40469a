package io.connectify.hub.notification;

import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderRouteBuilder;
import org.springframework.stereotype.Component;

/** The Twilio SMS adapter (camel-twilio) behind the Twilio breaker; a retry after a lost answer looks first. */
@Component
class TwilioRoutes extends ProviderRouteBuilder {

    static final String SEND = "direct:twilio-send-sms";

    private final TwilioMessageLookup lookup;

    TwilioRoutes(ProviderCalls calls, TwilioMessageLookup lookup) {
        super(calls, NotificationConfig.TWILIO, "twilioCircuitBreaker", TwilioErrors::translate);
        this.lookup = lookup;
    }

    @Override
    protected void routes() {
        from(SEND).routeId("twilio-send-sms").routeDescription("Send an SMS through Twilio's Messages resource")
                .bean("twilioMessages", "prepare")
                .to("direct:twilio-create-message")
                .bean("twilioMessages", "read");
        // no idempotency key at Twilio: a retry after a lost answer first looks the message up (TwilioMessageLookup)
        operation("direct:twilio-create-message", "Create a Twilio Message", "twilio://message/creator", lookup);
    }
}
