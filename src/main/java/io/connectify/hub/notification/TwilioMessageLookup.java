package io.connectify.hub.notification;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.twilio.base.Page;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.rest.api.v2010.account.MessageReader;
import com.twilio.type.PhoneNumber;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.LostAnswerLookup;
import io.connectify.hub.resilience.LostAnswerMark;
import io.connectify.hub.resilience.ProviderException;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Twilio takes no idempotency key: a send whose answer was lost (read timeout, dropped connection, a gateway's 5xx)
 * may have been taken, and sending it again would text the customer twice. So before the retry the hub reads
 * Twilio's Messages list by {@code To} and {@code From} (no date filter: Twilio filters by {@code date_sent}, which a
 * message still queued at Twilio does not have yet, and a slow Twilio is when answers get lost), newest first as
 * Twilio lists them, page by page until the first message created before the first lost attempt began less
 * {@code connectify.twilio.lookup-clock-margin} (the operator's number gets a copy of every SMS: by a replay hours
 * later, hundreds; a recipient with more than a few pages of them is read again in Twilio's largest pages). No upper
 * bound: Twilio may create a message after the hub (or its own edge) gave up waiting for the answer, later than the
 * lost attempt's end, and a message passed over for that was sent twice. Of those messages, the ones of the same
 * recipient, sender (or Messaging Service) and text as the lost attempt sent it (its SHA-256, kept with the lost
 * answer: a later send may render its text otherwise) whose SID no notification has recorded are the candidates:
 * exactly one is the send's answer (counted in
 * {@code connectify_notifications_found_after_lost_answer_total{channel="SMS"}}); none: Twilio does not have it, and
 * only then is the SMS sent again. Two or more are ambiguous (another notification's identical SMS, its answer lost
 * too, is among them), and so are more messages than the lookup reads: the lookup cannot tell, rather than take
 * another's or send one more ({@code connectify_notifications_lost_answer_ambiguous_total{channel="SMS"}}; thrown as
 * {@link ProviderException.Kind#UNDECIDED}, retried, not a failure of Twilio). Every other failure (a page, the
 * database check) is thrown: the lookup failed, and the attempt fails without sending ({@link
 * io.connectify.hub.resilience.ProviderCalls}).
 */
@Component("twilioMessageLookup")
public class TwilioMessageLookup implements LostAnswerLookup {

    private static final Logger log = LoggerFactory.getLogger(TwilioMessageLookup.class);
    private static final String ARG = "CamelTwilio.";
    private static final String FOUND = "connectify.notifications.found.after.lost.answer";
    private static final String AMBIGUOUS = "connectify.notifications.lost.answer.ambiguous";
    /**
     * A few seconds of one sender's messages to one recipient fit a page or two of 20. A recipient that got more
     * since (the operator's number, a copy of every SMS, by a replay hours later) is read again in Twilio's largest
     * pages (1000), newest first as Twilio lists them.
     */
    private static final int[] PAGE_SIZES = {20, 1000};
    private static final int MAX_PAGE_SIZE = 1000;
    /** Still not back to the first attempt after this many pages: the lookup cannot tell (nothing sent again). */
    private static final int MAX_PAGES = 5;

    private final TwilioRestClient client;
    private final TwilioConnection connection;
    private final TwilioProperties properties;
    private final NotificationLog notifications;
    private final MeterRegistry meters;
    private final TransactionTemplate ownReadOnlyTransaction;

    public TwilioMessageLookup(TwilioRestClient client, TwilioConnection connection, TwilioProperties properties,
                               NotificationLog notifications, MeterRegistry meters, TransactionTemplate transactions) {
        this.client = client;
        this.connection = connection;
        this.properties = properties;
        this.notifications = notifications;
        this.meters = meters;
        // the lookup runs inside the send's transaction (NotificationDelivery, under the notification's row lock):
        // its check in one of its own, so that a failing statement cannot abort the send's (PostgreSQL would, and
        // the SMS sent then could not be recorded, rolled back and sent once more by the redelivery)
        this.ownReadOnlyTransaction = new TransactionTemplate(transactions.getTransactionManager());
        ownReadOnlyTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        ownReadOnlyTransaction.setReadOnly(true);
        meters.counter(FOUND, "channel", "SMS");
        meters.counter(AMBIGUOUS, "channel", "SMS");
    }

    @Override
    public boolean answerLost(HubException failure) {
        return TwilioErrors.answerLost(failure);
    }

    /** The SHA-256 of the SMS's text: what a later send, whose text is rendered again, looks for. */
    @Override
    public String sent(Exchange exchange) {
        return digest(exchange.getMessage().getHeader(ARG + "body", String.class));
    }

    @Override
    public Object find(Exchange exchange, LostAnswerMark lost) {
        var request = exchange.getMessage();
        PhoneNumber to = request.getHeader(ARG + "to", PhoneNumber.class);
        PhoneNumber from = request.getHeader(ARG + "from", PhoneNumber.class);
        String service = request.getHeader(ARG + "messagingServiceSid", String.class);
        // the text the lost attempt sent, which this send may have rendered otherwise (a hold ended since)
        String text = lost.sent() != null ? lost.sent() : sent(exchange);
        Instant since = lost.since().minus(properties.lookupClockMargin());
        List<Message> same = null;
        for (int pageSize : PAGE_SIZES) {
            same = read(to, from, service, text, since, pageSize);
            if (same != null) {
                break;
            }
        }
        if (same == null) {
            // the recipient (the operator's number, which gets a copy of every SMS) got more messages since than the
            // lookup reads: whether Twilio has this one cannot be told. Neither a failure of Twilio nor a reason to
            // send it again
            log.warn("Twilio's answer was lost and Twilio lists more than {} messages to the recipient since the first "
                    + "lost attempt: whether it took the message is unknown, not sending again",
                    MAX_PAGES * MAX_PAGE_SIZE);
            meters.counter(AMBIGUOUS, "channel", "SMS").increment();
            throw new ProviderException(NotificationConfig.TWILIO, ProviderException.Kind.UNDECIDED, "Twilio lists "
                    + "more than " + MAX_PAGES * MAX_PAGE_SIZE + " messages to the recipient since the first lost "
                    + "attempt");
        }
        List<Message> unrecorded = unrecorded(same);
        if (unrecorded.isEmpty()) {
            // the window's end (when the latest lost attempt ended) told, not used to bound the match: see the class
            log.info("Twilio's answer was lost (attempts from {} to {}) and Twilio lists no such message since: "
                    + "sending again", lost.since(), lost.until() == null ? "unknown" : lost.until());
            return null;
        }
        if (unrecorded.size() > 1) {
            // another notification's identical SMS (its answer lost too) may be among them: taking one could record
            // the same SMS for both. Nor is it missing: sent again, it would be one more of them. The lookup cannot
            // tell (the attempt with it, retryable), until one of them is recorded or a person looks
            log.warn("Twilio's answer was lost and Twilio lists {} such messages no notification has recorded since "
                    + "the first lost attempt: which one is this send's is unknown, not sending again",
                    unrecorded.size());
            meters.counter(AMBIGUOUS, "channel", "SMS").increment();
            throw new ProviderException(NotificationConfig.TWILIO, ProviderException.Kind.UNDECIDED, "Twilio lists "
                    + unrecorded.size() + " unrecorded messages of this text to this recipient since the first lost "
                    + "attempt");
        }
        Message found = unrecorded.get(0);
        log.info("Twilio's answer was lost but Twilio took the message: recording {} instead of sending again",
                found.getSid());
        meters.counter(FOUND, "channel", "SMS").increment();
        return found;
    }

    /**
     * The messages of this recipient, sender and text created since {@code since}, read newest first in pages of
     * {@code pageSize}; null when {@link #MAX_PAGES} pages did not reach back to
     * {@code since}. A failing page is thrown: a match on an earlier one may not be the only one.
     */
    private List<Message> read(PhoneNumber to, PhoneNumber from, String service, String text, Instant since,
                               int pageSize) {
        MessageReader reader = Message.reader(connection.accountSid()).setTo(to);
        if (from != null) {
            reader.setFrom(from); // a Messaging Service picks the sender itself: matched on its SID below
        }
        reader.pageSize(pageSize);
        List<Message> same = new ArrayList<>();
        Page<Message> page = reader.firstPage(client);
        for (int pages = 1; ; pages++) {
            for (Message m : page.getRecords()) {
                Instant created = m.getDateCreated() == null ? null : m.getDateCreated().toInstant();
                if (created == null || created.isBefore(since)) {
                    return same; // newest first: every later one is older still
                }
                if (to.toString().equals(m.getTo()) && Objects.equals(text, digest(m.getBody()))
                        && (from != null ? m.getFrom() != null && from.toString().equals(m.getFrom().toString())
                        : Objects.equals(service, m.getMessagingServiceSid()))) {
                    same.add(m);
                }
            }
            if (!page.hasNextPage()) {
                return same;
            }
            if (pages == MAX_PAGES) {
                return null;
            }
            page = reader.nextPage(page, client);
        }
    }

    private static String digest(String text) {
        if (text == null) {
            return null;
        }
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JVM has SHA-256
        }
    }

    /** The messages whose SID no notification has recorded (an earlier identical SMS the hub knows is not this one). */
    private List<Message> unrecorded(List<Message> same) {
        if (same.isEmpty()) {
            return same;
        }
        Set<String> recorded = ownReadOnlyTransaction.execute(status ->
                notifications.recorded(same.stream().map(Message::getSid).toList()));
        return same.stream().filter(m -> !recorded.contains(m.getSid())).toList();
    }
}
