package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.jms.JmsConsumer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.task.SimpleAsyncTaskExecutor;

/**
 * The queue consumers run on threads of their own at a Java priority below the request threads' (the image's JVM
 * flags turn that into an OS priority: webhooks are acknowledged first under a burst), and stop without interrupting
 * them.
 */
@HubTest
class QueueConsumerThreadsTest extends HubTestBase {

    /**
     * Stripe and Payrexx events and Twilio's delivery statuses, then the notifications' consumers, one per channel
     * (the earlier versions' queue is drained on the broker client's delivery threads: no thread of its own).
     */
    private static final List<String> CONSUMER_ROUTES = List.of("stripe-event-dispatch", "payrexx-event-dispatch",
            "twilio-status-record", "notification-send-sms", "notification-send-email");

    @Value("${connectify.queues.concurrent-consumers}")
    int consumersPerQueue;

    @Value("${connectify.queues.consumer-thread-priority}")
    int priority;

    @Autowired
    @Qualifier("queueConsumerExecutor")
    SimpleAsyncTaskExecutor queueConsumerExecutor;

    @Autowired
    CamelContext camel;

    @Test
    void everyQueueConsumerRunsOnALowPriorityThread() throws Exception {
        // this context's consumer threads only (other cached contexts in the JVM run threads of the same names):
        // those its consumer executor starts as the consumer routes start again
        Set<Thread> consumers = ConcurrentHashMap.newKeySet();
        queueConsumerExecutor.setTaskDecorator(task -> () -> {
            consumers.add(Thread.currentThread());
            task.run();
        });
        try {
            for (String route : CONSUMER_ROUTES) {
                camel.getRouteController().stopRoute(route);
                camel.getRouteController().startRoute(route);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> consumers.size() >= 3 * consumersPerQueue + 2);
        } finally {
            queueConsumerExecutor.setTaskDecorator(null);
        }

        assertThat(consumers).hasSize(3 * consumersPerQueue + 2).allSatisfy(thread -> {
            assertThat(thread.getName()).startsWith("queue-consumer-");
            assertThat(thread.getPriority()).isEqualTo(priority);
        });
        assertThat(priority).isLessThan(Thread.NORM_PRIORITY);
    }

    /**
     * Each queue consumer, as it stops (a route stop, a graceful shutdown), lets its listener threads end their
     * receive: Spring interrupts a thread still receiving a second after the stop unless the container accepts
     * messages while stopping, and the broker session that thread gave back to the shared session cache then failed
     * the next commit made on it (AMQ219030 "rolled back on failover").
     */
    @Test
    void everyQueueConsumerAcceptsMessagesWhileStopping() {
        List<Route> jmsConsumers = camel.getRoutes().stream()
                .filter(route -> route.getConsumer() instanceof JmsConsumer).toList();

        assertThat(jmsConsumers).extracting(Route::getRouteId)
                .containsAll(CONSUMER_ROUTES).contains("notification-forward-legacy");
        assertThat(jmsConsumers).allSatisfy(route -> assertThat(
                ((JmsConsumer) route.getConsumer()).getListenerContainer().isAcceptMessagesWhileStopping())
                .as(route.getRouteId()).isTrue());
    }
}
