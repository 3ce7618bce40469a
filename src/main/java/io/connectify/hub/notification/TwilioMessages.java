package io.connectify.hub.notification;

import java.net.URI;

import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import io.connectify.hub.ops.CorrelationId;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * Puts a canonical SMS into camel-twilio's arguments ({@code twilio://message/creator}: To and From as
 * {@link PhoneNumber}, or a Messaging Service SID, Body, StatusCallback) and reads the created Message back.
 */
@Component("twilioMessages")
public class TwilioMessages {

    private static final String ARG = "CamelTwilio.";

    private final TwilioConnection connection;
    private final TwilioProperties properties;

    public TwilioMessages(TwilioConnection connection, TwilioProperties properties) {
        this.connection = connection;
        this.properties = properties;
    }

    public void prepare(@Body Notification sms, Exchange exchange) {
        var message = exchange.getMessage();
        CorrelationId.keepOnlyItsHeader(message);
        message.setHeader(ARG + "to", new PhoneNumber(sms.to()));
        if (properties.messagingServiceSid() != null && !properties.messagingServiceSid().isBlank()) {
            message.setHeader(ARG + "messagingServiceSid", properties.messagingServiceSid());
        } else {
            message.setHeader(ARG + "from", new PhoneNumber(sender()));
        }
        message.setHeader(ARG + "body", sms.body());
        message.setHeader(ARG + "statusCallback", URI.create(connection.statusCallbackUrl()));
        exchange.setProperty("notificationId", sms.id());
    }

    public SentNotification read(@Body Message created, Exchange exchange) {
        return new SentNotification(exchange.getProperty("notificationId", String.class), "SMS", created.getSid(),
                created.getStatus() == null ? "queued" : created.getStatus().toString());
    }

    private String sender() {
        return properties.fromNumber() != null && !properties.fromNumber().isBlank() ? properties.fromNumber()
                : io.connectify.hub.sandbox.TwilioSimulator.FROM_NUMBER;
    }
}
