package io.connectify.hub.payment.payrexx;

import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.LostAnswerLookup;
import io.connectify.hub.resilience.LostAnswerMark;
import io.connectify.hub.resilience.ResendsAfterLostAnswerUsedUp;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Payrexx takes no idempotency key and cannot list or filter payment pages (its Gateway API creates, reads one by id
 * and deletes): a {@code POST Gateway/} whose answer was lost may have made a page the hub cannot find. Before, each
 * retry made one more (the hub answered the last, the earlier ones payable and unknown to it). Now it is not sent
 * again: {@link ResendsAfterLostAnswerUsedUp}, final, 502 {@code provider-error} saying a page may exist. A booking's
 * payment start then frees its slot as for any failed start; the page nobody was given closes by itself when the hold
 * runs out ({@code validity}), and a payment on it is refunded as one that pays for nothing.
 */
@Component("payrexxGatewayNotResent")
public class PayrexxGatewayNotResent implements LostAnswerLookup {

    private static final Logger log = LoggerFactory.getLogger(PayrexxGatewayNotResent.class);

    @Override
    public boolean answerLost(HubException failure) {
        return AnswerLost.is(failure);
    }

    @Override
    public Object find(Exchange exchange, LostAnswerMark lost) {
        log.warn("Payrexx's answer to a payment page's creation was lost: a page may have been made, and Payrexx "
                + "cannot be asked for it; not making another");
        throw new ResendsAfterLostAnswerUsedUp(PayrexxConfig.PROVIDER, "Payrexx's answer to the payment page's "
                + "creation was lost: a page may have been made, and is not made again; ask again for a new page",
                lost.answersLost());
    }
}
