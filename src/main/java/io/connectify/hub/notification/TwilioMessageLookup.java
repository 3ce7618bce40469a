package io.connectify.hub.notification;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.StreamSupport;

import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.LostAnswerLookup;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Twilio takes no idempotency key: a send whose answer was lost (read timeout, dropped connection) may have been
 * taken, and sending it again would text the customer twice. So before the retry the hub reads Twilio's Messages
 * list ({@code To}, {@code From}, {@code DateSent>=} the first attempt's UTC day) for the same recipient, sender (or
 * Messaging Service) and body, created since the first attempt began less {@code connectify.twilio.lookup-clock-margin},
 * whose SID no notification has recorded yet; found, that Message is the send's answer. Counted in
 * {@code connectify_notifications_found_after_lost_answer_total{channel="SMS"}}.
 */
@Component("twilioMessageLookup")
public class TwilioMessageLookup implements LostAnswerLookup {

    private static final Logger log = LoggerFactory.getLogger(TwilioMessageLookup.class);
    private static final String ARG = "CamelTwilio.";
    /** Enough for a day's messages of one sender to one recipient; more and the hub sends again rather than read on. */
    private static final int PAGE_SIZE = 50;
    private static final int LIMIT = 200;

    private final TwilioRestClient client;
    private final TwilioConnection connection;
    private final TwilioProperties properties;
    private final NotificationLog notifications;
    private final MeterRegistry meters;

    public TwilioMessageLookup(TwilioRestClient client, TwilioConnection connection, TwilioProperties properties,
                               NotificationLog notifications, MeterRegistry meters) {
        this.client = client;
        this.connection = connection;
        this.properties = properties;
        this.notifications = notifications;
        this.meters = meters;
        meters.counter("connectify.notifications.found.after.lost.answer", "channel", "SMS");
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
        var reader = Message.reader(connection.accountSid()).setTo(to)
                // Twilio filters DateSent by the day (GMT): the time is checked on what it lists
                .setDateSentAfter(ZonedDateTime.ofInstant(since, ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS));
        if (from != null) {
            reader.setFrom(from); // a Messaging Service picks the sender itself: matched on its SID below
        }
        // the limit first: it sets the page size too, which is then made smaller (one PageSize parameter)
        reader.limit(LIMIT).pageSize(PAGE_SIZE);
        Message found = StreamSupport.stream(reader.read(client).spliterator(), false)
                .filter(m -> to.toString().equals(m.getTo()) && Objects.equals(body, m.getBody()))
                .filter(m -> from != null ? m.getFrom() != null && from.toString().equals(m.getFrom().toString())
                        : Objects.equals(service, m.getMessagingServiceSid()))
                .filter(m -> m.getDateCreated() != null && !m.getDateCreated().toInstant().isBefore(since))
                // an earlier identical SMS the hub has recorded is not this one
                .filter(m -> !notifications.recorded(m.getSid()))
                .min(Comparator.comparing(Message::getDateCreated))
                .orElse(null);
        if (found == null) {
            log.info("Twilio's answer was lost and Twilio lists no such message since the first attempt: sending again");
            return null;
        }
        log.info("Twilio's answer was lost but Twilio took the message: recording {} instead of sending again",
                found.getSid());
        meters.counter("connectify.notifications.found.after.lost.answer", "channel", "SMS").increment();
        return found;
    }
}
