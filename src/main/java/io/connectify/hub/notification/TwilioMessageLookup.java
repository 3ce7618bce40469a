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
 * Twilio lists them, page by page until the first message created before the first attempt began less
 * {@code connectify.twilio.lookup-clock-margin}. Of those, the ones of the same recipient, sender (or Messaging
 * Service) and body whose SID no notification has recorded are the candidates: exactly one is the send's answer
 * (counted in {@code connectify_notifications_found_after_lost_answer_total{channel="SMS"}}); none: Twilio does not
 * have it, and only then is the SMS sent again. Two or more are ambiguous (another notification's identical SMS, its
 * answer lost too, is among them): the lookup fails rather than take another's, or send one more of them (counted in
 * {@code connectify_notifications_lost_answer_ambiguous_total{channel="SMS"}}). Every failure (a page, the database
 * check) is thrown: the lookup failed, and the attempt fails without sending ({@link
 * io.connectify.hub.resilience.ProviderCalls}).
 */
@Component("twilioMessageLookup")
public class TwilioMessageLookup implements LostAnswerLookup {

    private static final Logger log = LoggerFactory.getLogger(TwilioMessageLookup.class);
    private static final String ARG = "CamelTwilio.";
    private static final String FOUND = "connectify.notifications.found.after.lost.answer";
    private static final String AMBIGUOUS = "connectify.notifications.lost.answer.ambiguous";
    /** A few seconds of one sender's messages to one recipient fit a page or two. */
    private static final int PAGE_SIZE = 20;
    /** Still not past the first attempt after this many pages: the hub sends again rather than read on. */
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

    @Override
    public Object find(Exchange exchange, Instant firstAttemptStarted) {
        var request = exchange.getMessage();
        PhoneNumber to = request.getHeader(ARG + "to", PhoneNumber.class);
        PhoneNumber from = request.getHeader(ARG + "from", PhoneNumber.class);
        String service = request.getHeader(ARG + "messagingServiceSid", String.class);
        String body = request.getHeader(ARG + "body", String.class);
        Instant since = firstAttemptStarted.minus(properties.lookupClockMargin());
        MessageReader reader = Message.reader(connection.accountSid()).setTo(to);
        if (from != null) {
            reader.setFrom(from); // a Messaging Service picks the sender itself: matched on its SID below
        }
        reader.pageSize(PAGE_SIZE);
        List<Message> same = new ArrayList<>();
        // a failing page is thrown: a match on an earlier one may not be the only one
        Page<Message> page = reader.firstPage(client);
        boolean pastFirstAttempt = false;
        for (int pages = 1; ; pages++) {
            for (Message m : page.getRecords()) {
                if (m.getDateCreated() == null || m.getDateCreated().toInstant().isBefore(since)) {
                    pastFirstAttempt = true; // newest first: every later one is older still
                    break;
                }
                if (to.toString().equals(m.getTo()) && Objects.equals(body, m.getBody())
                        && (from != null ? m.getFrom() != null && from.toString().equals(m.getFrom().toString())
                        : Objects.equals(service, m.getMessagingServiceSid()))) {
                    same.add(m);
                }
            }
            if (pastFirstAttempt || !page.hasNextPage()) {
                break;
            }
            if (pages == MAX_PAGES) {
                throw new IllegalStateException("Twilio lists more than " + MAX_PAGES * PAGE_SIZE
                        + " messages to the recipient since the first attempt");
            }
            page = reader.nextPage(page, client);
        }
        List<Message> unrecorded = unrecorded(same);
        if (unrecorded.isEmpty()) {
            log.info("Twilio's answer was lost and Twilio lists no such message since the first attempt: sending again");
            return null;
        }
        if (unrecorded.size() > 1) {
            // another notification's identical SMS (its answer lost too) may be among them: taking one could record
            // the same SMS for both. Nor is it missing: sent again, it would be one more of them. The lookup fails
            // (the attempt with it, retryable), until one of them is recorded or a person looks
            log.warn("Twilio's answer was lost and Twilio lists {} such messages no notification has recorded since "
                    + "the first attempt: which one is this send's is unknown, not sending again", unrecorded.size());
            meters.counter(AMBIGUOUS, "channel", "SMS").increment();
            throw new ProviderException(NotificationConfig.TWILIO, ProviderException.Kind.UNAVAILABLE, "Twilio lists "
                    + unrecorded.size() + " unrecorded messages of this text to this recipient since the first attempt");
        }
        Message found = unrecorded.get(0);
        log.info("Twilio's answer was lost but Twilio took the message: recording {} instead of sending again",
                found.getSid());
        meters.counter(FOUND, "channel", "SMS").increment();
        return found;
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
