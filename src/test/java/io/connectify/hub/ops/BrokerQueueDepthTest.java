package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.connectify.hub.support.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * The queue-depth gauges of an external broker never hold up a metrics scrape, and keep their last reading through a
 * question the broker does not answer, for up to a minute.
 */
class BrokerQueueDepthTest {

    @Test
    void aScrapeWhileTheExternalBrokerDoesNotAnswerGetsNaNWithoutWaiting() {
        CountDownLatch brokerAnswers = new CountDownLatch(1);
        ConnectionFactory hanging = (ConnectionFactory) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConnectionFactory.class}, (proxy, method, args) -> {
                    brokerAnswers.await(); // a connect to a broker that neither answers nor refuses
                    throw new JMSException("gone");
                });
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("connectionFactory", hanging);
        BrokerQueueDepth depths = new BrokerQueueDepth(beans.getBeanProvider(EmbeddedActiveMQ.class),
                beans.getBeanProvider(ConnectionFactory.class));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new HubMetrics(null, java.time.Clock.systemUTC(), depths, "stripe-events", "payrexx-events", "twilio-status",
                new io.connectify.hub.notification.NotificationProperties(100, 60000, "notifications",
                        "notifications-sms", "notifications-email", true, java.time.Duration.ofMinutes(5),
                        java.time.Duration.ofMinutes(15))).bindTo(registry);
        try {
            double[] values = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> new double[] {
                    registry.get("connectify.queue.depth").tag("queue", "stripe-events").gauge().value(),
                    registry.get("connectify.queue.depth").tag("queue", "payrexx-events").gauge().value(),
                    registry.get("connectify.queue.depth").tag("queue", "twilio-status").gauge().value()});

            assertThat(values).containsOnly(Double.NaN);
        } finally {
            brokerAnswers.countDown();
        }
    }

    /**
     * One slow or failed management query keeps the last reading (QueueBacklog's for: 10m goes on); NaN only once the
     * broker has not answered for a minute. Before, the failed query's NaN was shown at once.
     */
    @Test
    void aQueryTheBrokerDoesNotAnswerKeepsTheLastReadingForAMinute() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T06:00:00Z"));
        AtomicReference<Double> answer = new AtomicReference<>(150.0);
        AtomicInteger asked = new AtomicInteger();
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        BrokerQueueDepth depths = new BrokerQueueDepth(beans.getBeanProvider(EmbeddedActiveMQ.class),
                beans.getBeanProvider(ConnectionFactory.class), clock) {
            @Override
            Double ask(String queue) {
                try {
                    return answer.get(); // null: no answer within 2 s, or an error
                } finally {
                    asked.incrementAndGet();
                }
            }
        };
        depths.lastKnownCount("notifications-sms"); // the first reading is asked for in the background
        await().atMost(Duration.ofSeconds(5)).until(() -> depths.lastKnownCount("notifications-sms") == 150.0);

        answer.set(null);
        clock.advance(Duration.ofSeconds(10)); // past the few seconds a reading is kept without asking
        int before = asked.get();
        depths.lastKnownCount("notifications-sms");
        await().atMost(Duration.ofSeconds(5)).until(() -> asked.get() > before);
        assertThat(depths.lastKnownCount("notifications-sms")).isEqualTo(150.0);

        clock.advance(Duration.ofSeconds(51)); // 61 s since the broker last answered
        assertThat(depths.lastKnownCount("notifications-sms")).isNaN();
    }
}
