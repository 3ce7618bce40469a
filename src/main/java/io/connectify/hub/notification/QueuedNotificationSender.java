package io.connectify.hub.notification;

import io.connectify.hub.resilience.QueueListenerErrors;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.JMSException;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.component.jms.JmsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The notification senders' step (routes notification-send-sms and -email): {@link NotificationDelivery#sendOnce}; a
 * copy that found the notification's row held past the lock timeout ({@link NotificationBusy}) marks its exchange for
 * rollback, and the broker delivers it again with its back-off, rather than the dead-letter channel's retries in place
 * and dead letter. Expected under redeliveries (another copy being sent), so one INFO line (NotificationDelivery's)
 * and a count ({@code connectify_notifications_busy_total} by channel) per rollback, not the JMS listener's WARN
 * ({@link QueueListenerErrors}); a WARN only for the rollback after which the broker moves the message to its
 * dead-letter queue (its last delivery attempt, connectify.queues.max-delivery-attempts).
 */
@Component("queuedNotificationSender")
public class QueuedNotificationSender {

    private static final Logger LOG = LoggerFactory.getLogger(QueuedNotificationSender.class);
    /** The JMS-defined property: how many times the broker has delivered this message, this delivery included. */
    static final String DELIVERY_COUNT = "JMSXDeliveryCount";

    private final NotificationDelivery delivery;
    private final MeterRegistry meters;
    private final int maxDeliveryAttempts;

    public QueuedNotificationSender(NotificationDelivery delivery, MeterRegistry meters,
                                    @Value("${connectify.queues.max-delivery-attempts}") int maxDeliveryAttempts) {
        this.delivery = delivery;
        this.meters = meters;
        this.maxDeliveryAttempts = maxDeliveryAttempts;
    }

    public void sendQueued(@Body Notification n, Exchange exchange) {
        try {
            delivery.sendOnce(n);
        } catch (NotificationBusy held) {
            exchange.setRollbackOnly(true);
            exchange.setProperty(QueueListenerErrors.INTENDED_ROLLBACK, held.getMessage());
            meters.counter("connectify.notifications.busy", "channel", n.channel().name()).increment();
            Integer delivered = deliveryCount(exchange);
            if (delivered != null && delivered >= maxDeliveryAttempts) {
                LOG.warn("Notification {} ({} of booking {}, {}): its row was held by another transaction at each of its "
                        + "message's {} deliveries; the broker now moves the message to its dead-letter queue (DLQ), "
                        + "the notification still unsent (GET /api/v1/admin/broker-dead-letters)", n.id(), n.kind(), n.bookingId(),
                        n.channel(), delivered);
            }
        }
    }

    /** The message's delivery count as the broker gives it; null where it does not say. */
    private static Integer deliveryCount(Exchange exchange) {
        Integer count = exchange.getMessage().getHeader(DELIVERY_COUNT, Integer.class);
        if (count == null && exchange.getMessage() instanceof JmsMessage jms && jms.getJmsMessage() != null) {
            try {
                count = jms.getJmsMessage().propertyExists(DELIVERY_COUNT)
                        ? jms.getJmsMessage().getIntProperty(DELIVERY_COUNT) : null;
            } catch (JMSException unreadable) {
                return null;
            }
        }
        return count;
    }
}
