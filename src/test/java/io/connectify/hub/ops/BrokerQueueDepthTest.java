package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/** The queue-depth gauges of an external broker never hold up a metrics scrape. */
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
}
