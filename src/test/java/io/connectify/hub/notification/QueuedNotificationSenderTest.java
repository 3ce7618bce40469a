package io.connectify.hub.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.connectify.hub.resilience.QueueListenerErrors;
import io.connectify.hub.support.LogLines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.RollbackExchangeException;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.jms.EndpointMessageListener;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;

/**
 * A copy of a notification that outwaits its row lock (NotificationBusy) is rolled back for the broker's redelivery:
 * expected under redelivery, so counted and left to the sender's own INFO line, the JMS listener's failure line
 * dropped; a WARN only on the delivery after which the broker moves the message to its DLQ.
 */
class QueuedNotificationSenderTest {

    private static final int MAX_DELIVERY_ATTEMPTS = 20;

    private final DefaultCamelContext camel = new DefaultCamelContext();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final NotificationDelivery delivery = mock(NotificationDelivery.class);
    private final QueuedNotificationSender sender = new QueuedNotificationSender(delivery, meters,
            MAX_DELIVERY_ATTEMPTS);
    private final Notification n = new Notification("7d6f2c3e-0000-4000-8000-0000000000c1", Notification.Channel.SMS,
            "+41791234567", null, "Hello", false, "2f1c7d0e-0000-4000-8000-00000000000c", "confirmation", null);

    @Test
    void aBusyCopyIsRolledBackCountedAndWarnedOfOnlyOnItsLastDelivery() {
        doThrow(new NotificationBusy(n.id(), new RuntimeException("lock timeout"))).when(delivery).sendOnce(n);

        try (LogLines lines = LogLines.of(QueuedNotificationSender.class)) {
            Exchange early = delivered(3);
            sender.sendQueued(n, early);
            assertThat(early.isRollbackOnly()).isTrue();
            assertThat(lines.lines()).noneMatch(line -> line.getLevel().isGreaterOrEqual(Level.WARN));

            Exchange last = delivered(MAX_DELIVERY_ATTEMPTS);
            sender.sendQueued(n, last);
            assertThat(last.isRollbackOnly()).isTrue();
            assertThat(lines.lines()).filteredOn(line -> line.getLevel() == Level.WARN)
                    .singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .contains(n.id()).contains("20 deliveries").contains("DLQ").doesNotContain("+41791234567");
        }
        assertThat(meters.counter("connectify.notifications.busy", "channel", "SMS").count()).isEqualTo(2);
    }

    /**
     * The listener's line of a rollback: a DEBUG line for one the route marked as intended (its reason given), Camel's
     * own WARN for any other. Before, each busy copy's rollback was a WARN ("Execution of JMS message listener
     * failed ... Intended rollback").
     */
    @Test
    void theListenerLogsAnIntendedRollbackQuietlyAndAnyOtherFailureAsCamelDoes() {
        doThrow(new NotificationBusy(n.id(), new RuntimeException("lock timeout"))).when(delivery).sendOnce(n);
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("camel", camel);
        var errors = new QueueListenerErrors(beans.getBeanProvider(org.apache.camel.CamelContext.class));
        Exchange busy = delivered(3);
        sender.sendQueued(n, busy);

        try (LogLines lines = LogLines.of(EndpointMessageListener.class)) {
            errors.handleError(new RuntimeCamelException(new RollbackExchangeException(busy)));
            assertThat(lines.lines()).noneMatch(line -> line.getLevel().isGreaterOrEqual(Level.INFO));

            Exchange other = delivered(1);
            other.setRollbackOnly(true); // a rollback no route gave a reason for: logged as Camel logs it
            errors.handleError(new RuntimeCamelException(new RollbackExchangeException(other)));
            errors.handleError(new IllegalStateException("the dead letter could not be stored"));
            assertThat(lines.lines()).extracting(ILoggingEvent::getLevel).containsExactly(Level.WARN, Level.WARN);
            assertThat(lines.lines().get(1).getThrowableProxy()).isNotNull(); // a real failure keeps its stack
        }
    }

    private Exchange delivered(int times) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader(QueuedNotificationSender.DELIVERY_COUNT, times);
        exchange.getMessage().setBody(n);
        return exchange;
    }
}
