package io.connectify.hub.notification;

import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderRouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The Twilio SendGrid email adapter (camel-http, v3 mail/send) behind the SendGrid breaker; after a lost answer the
 * mail is sent again only so many times ({@link SendGridResends}).
 */
@Component
class SendGridRoutes extends ProviderRouteBuilder {

    static final String SEND = "direct:sendgrid-send-email";

    private final SendGridConnection connection;
    private final SendGridResends resends;

    SendGridRoutes(ProviderCalls calls, SendGridConnection connection, SendGridResends resends) {
        super(calls, NotificationConfig.SENDGRID, "sendGridCircuitBreaker", SendGridErrors::translate);
        this.connection = connection;
        this.resends = resends;
    }

    @Override
    protected void routes() {
        from(SEND).routeId("sendgrid-send-email").routeDescription("Send an email through SendGrid v3 mail/send")
                .bean("sendGridMails", "prepare")
                .to("direct:sendgrid-mail-send")
                .bean("sendGridMails", "read");
        operation("direct:sendgrid-mail-send", "Call SendGrid's mail/send",
                connection.apiBase() + "?httpClientConfigurer=#sendGridHttpTimeouts&headerFilterStrategy=#providerHeaderFilter",
                resends);
    }
}
