package io.connectify.hub.notification;

import io.connectify.hub.resilience.HttpProviderErrors;
import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderRouteBuilder;
import org.springframework.stereotype.Component;

/** The Twilio SendGrid email adapter (camel-http, v3 mail/send) behind the SendGrid breaker. */
@Component
class SendGridRoutes extends ProviderRouteBuilder {

    static final String SEND = "direct:sendgrid-send-email";

    private final SendGridConnection connection;

    SendGridRoutes(ProviderCalls calls, SendGridConnection connection) {
        super(calls, NotificationConfig.SENDGRID, "sendGridCircuitBreaker",
                failure -> HttpProviderErrors.translate(NotificationConfig.SENDGRID, "SendGrid", failure));
        this.connection = connection;
    }

    @Override
    protected void routes() {
        from(SEND).routeId("sendgrid-send-email").routeDescription("Send an email through SendGrid v3 mail/send")
                .bean("sendGridMails", "prepare")
                .to("direct:sendgrid-mail-send")
                .bean("sendGridMails", "read");
        operation("direct:sendgrid-mail-send", "Call SendGrid's mail/send",
                connection.apiBase() + "?httpClientConfigurer=#sendGridHttpTimeouts&headerFilterStrategy=#providerHeaderFilter");
    }
}
