package io.connectify.hub.payment.payrexx;

import io.connectify.hub.payment.payrexx.PayrexxCommands.Transaction;
import io.connectify.hub.webhook.WebhookHeaders;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** Puts a transaction fetched from the Payrexx API into the saga's headers: only the API's word counts. */
@Component("payrexxEvents")
public class PayrexxEvents {

    public void describe(@Body Transaction t, Exchange exchange) {
        var message = exchange.getMessage();
        message.setHeader(WebhookHeaders.PROVIDER, PayrexxConfig.PROVIDER);
        message.setHeader(WebhookHeaders.BOOKING_ID, t.referenceId());
        message.setHeader(WebhookHeaders.PAYMENT_STATUS, t.status());
        message.setHeader(WebhookHeaders.PAYMENT_REFERENCE, Long.toString(t.id()));
        message.setHeader(WebhookHeaders.PAID_AMOUNT, t.amount());
    }
}
