package io.connectify.hub.payment.stripe;

import java.util.ArrayList;
import java.util.List;

import io.connectify.hub.payment.stripe.StripeCommands.RefundList;
import io.connectify.hub.payment.stripe.StripeCommands.RefundPage;
import io.connectify.hub.payment.stripe.StripeCommands.RefundPageRequest;
import io.connectify.hub.payment.stripe.StripeCommands.RefundResult;
import io.connectify.hub.resilience.Causes;
import org.apache.camel.Body;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

/**
 * A PaymentIntent's refunds, every page (starting_after the last refund of the page before, while Stripe says
 * has_more: a refund left unread would be taken for none), and how much of it they refund (those that succeeded or
 * are on their way). The hub asks when Stripe refuses a refund (charge_already_refunded), to tell a refund made whose
 * answer was lost from one never made, and on charge.refunded, to tell its own refunds from those made outside it.
 * Each page is a Stripe call of its own through {@link StripeRoutes#REFUNDS_PAGE}: it takes its own rate-limiter
 * permit and is retried and seen by the breaker as any Stripe call is (one permit for a whole multi-page read let the
 * hub send more requests than its limit). A failed page fails the whole look-up with its typed error.
 */
@Component("stripeRefunds")
public class StripeRefunds {

    private final ProducerTemplate template;

    public StripeRefunds(ProducerTemplate template) {
        this.template = template;
    }

    public RefundList refunds(@Body String paymentIntent) {
        List<RefundResult> refunds = new ArrayList<>();
        String after = null;
        do {
            RefundPage page = page(new RefundPageRequest(paymentIntent, after));
            refunds.addAll(page.refunds());
            after = page.next();
        } while (after != null);
        return new RefundList(paymentIntent, RefundResult.refundedBy(refunds), List.copyOf(refunds));
    }

    private RefundPage page(RefundPageRequest request) {
        try {
            return template.requestBody(StripeRoutes.REFUNDS_PAGE, request, RefundPage.class);
        } catch (CamelExecutionException e) {
            throw Causes.hubErrorOr(e);
        }
    }
}
