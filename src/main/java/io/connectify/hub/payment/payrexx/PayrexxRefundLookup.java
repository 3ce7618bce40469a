package io.connectify.hub.payment.payrexx;

import java.util.Set;

import io.connectify.hub.payment.payrexx.PayrexxCommands.RefundCommand;
import io.connectify.hub.payment.payrexx.PayrexxCommands.Transaction;
import io.connectify.hub.resilience.AnswerLost;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.LostAnswerLookup;
import io.connectify.hub.resilience.LostAnswerMark;
import io.connectify.hub.resilience.ProviderException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Payrexx refunds take no idempotency key: a {@code POST Transaction/{id}/refund} whose answer was lost may have been
 * made. Before, each retry refunded again (a partial refund twice; a full one refused the second time, the booking's
 * refund left pending for a payment refunded). Now the retry first reads the transaction ({@code GET Transaction/{id}/},
 * once, outside the breaker's retries) and compares its status with what the lost attempt asked:
 * <ul>
 *   <li>{@code refunded} or {@code refund_pending}: the refund was taken (or the payment has none left): its answer;</li>
 *   <li>{@code partially-refunded}: after a full refund asked, not taken (a full refund leaves it refunded), sent
 *   again; after a partial one, an earlier partial refund leaves the same status, and Payrexx's transaction names no
 *   refunded amount: the lookup cannot tell ({@link ProviderException.Kind#UNDECIDED}, nothing sent; 502 once the
 *   retries run out, left for a person);</li>
 *   <li>any other ({@code confirmed}): nothing refunded, sent again.</li>
 * </ul>
 */
@Component("payrexxRefundLookup")
public class PayrexxRefundLookup implements LostAnswerLookup {

    /** The exchange property the refund's request keeps its command on, for the lookup. */
    static final String REFUND = "payrexxRefund";

    private static final Logger log = LoggerFactory.getLogger(PayrexxRefundLookup.class);
    private static final Set<String> REFUNDED = Set.of("refunded", "refund_pending");

    private final PayrexxRequests requests;
    private final PayrexxConnection connection;
    /** The context's one template (a service the context stops), not one made, started and stopped per lookup. */
    private final ProducerTemplate template;

    public PayrexxRefundLookup(PayrexxRequests requests, PayrexxConnection connection, ProducerTemplate template) {
        this.requests = requests;
        this.connection = connection;
        this.template = template;
    }

    @Override
    public boolean answerLost(HubException failure) {
        return AnswerLost.is(failure);
    }

    @Override
    public Object find(Exchange exchange, LostAnswerMark lost) throws Exception {
        RefundCommand asked = exchange.getProperty(REFUND, RefundCommand.class);
        Transaction now = transaction(exchange, asked.transactionId());
        boolean partial = asked.amount() != null;
        if (REFUNDED.contains(now.status())) {
            log.info("Payrexx's answer to the refund of transaction {} was lost, and Payrexx shows it {}: taken, not "
                    + "refunding again", asked.transactionId(), now.status());
            return "{\"status\":\"success\",\"data\":[{\"id\":" + now.id() + ",\"status\":\"" + now.status() + "\"}]}";
        }
        if ("partially-refunded".equals(now.status()) && partial) {
            log.warn("Payrexx's answer to a partial refund of transaction {} was lost, and Payrexx shows it partially "
                    + "refunded, which an earlier partial refund would show too: not refunding again",
                    asked.transactionId());
            throw new ProviderException(PayrexxConfig.PROVIDER, ProviderException.Kind.UNDECIDED, "Payrexx's answer "
                    + "to a partial refund was lost, and the transaction, partially refunded, cannot tell whether it "
                    + "was made: check the transaction at Payrexx before refunding again");
        }
        log.info("Payrexx's answer to the refund of transaction {} was lost, and Payrexx shows it {}: refunding again",
                asked.transactionId(), now.status());
        return null;
    }

    /** The transaction as Payrexx shows it now: one GET, failing as it fails (the attempt then sends nothing). */
    private Transaction transaction(Exchange exchange, long id) throws Exception {
        Exchange read = new DefaultExchange(exchange.getContext());
        requests.getTransaction(id, read);
        template.send(PayrexxRoutes.callUri(connection), read);
        if (read.getException() != null) {
            throw PayrexxErrors.translate(read.getException());
        }
        return requests.readTransaction(read.getMessage().getBody(String.class));
    }
}
