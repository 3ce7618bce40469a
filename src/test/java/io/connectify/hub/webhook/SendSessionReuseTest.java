package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import jakarta.jms.ConnectionFactory;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerSessionPlugin;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jms.core.JmsTemplate;

/**
 * As many webhook requests as the web server runs at once can enqueue at once without opening a broker session
 * each: the sessions they send on are kept and used again (opening and closing one per message was 3% of a
 * webhook's CPU at 64 connections).
 */
@HubTest
class SendSessionReuseTest extends HubTestBase {

    private static final String QUEUE = "session-reuse-check";

    @Autowired
    EmbeddedActiveMQ broker;

    @Autowired
    ConnectionFactory connectionFactory;

    @Value("${server.tomcat.threads.max}")
    int requestThreads;

    @Test
    void asManyConcurrentSendersAsRequestThreadsReuseTheirSessions() throws Exception {
        sendAllAtOnce(); // fills the cache
        Set<String> before = brokerSessions();
        AtomicInteger opened = new AtomicInteger();
        ActiveMQServerSessionPlugin countOpened = new ActiveMQServerSessionPlugin() {
            @Override
            public void afterCreateSession(ServerSession session) {
                opened.incrementAndGet();
            }
        };
        broker.getActiveMQServer().registerBrokerPlugin(countOpened);
        try {
            sendAllAtOnce();
        } finally {
            broker.getActiveMQServer().unRegisterBrokerPlugin(countOpened);
        }

        // every sender of the second burst took a session the first one left in the cache: the broker opened none
        // (a cache smaller than the request threads, or none, opens one per sender that finds no cached session)
        assertThat(opened).as("broker sessions opened during the second burst").hasValue(0);
        assertThat(brokerSessions()).isEqualTo(before);
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        jms.setReceiveTimeout(200);
        int received = 0;
        while (jms.receive(QUEUE) != null) {
            received++;
        }
        assertThat(received).isEqualTo(2 * requestThreads);
    }

    /** One message from each of {@code requestThreads} threads, all inside their session at the same moment. */
    private void sendAllAtOnce() throws Exception {
        JmsTemplate jms = new JmsTemplate(connectionFactory);
        CyclicBarrier allInSession = new CyclicBarrier(requestThreads);
        ExecutorService senders = Executors.newFixedThreadPool(requestThreads);
        try {
            List<Future<?>> sends = new ArrayList<>();
            for (int i = 0; i < requestThreads; i++) {
                sends.add(senders.submit(() -> jms.send(QUEUE, session -> {
                    await(allInSession);
                    return session.createTextMessage("event");
                })));
            }
            for (Future<?> send : sends) {
                send.get(30, TimeUnit.SECONDS);
            }
        } finally {
            senders.shutdownNow();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Set<String> brokerSessions() {
        return broker.getActiveMQServer().getSessions().stream().map(ServerSession::getName)
                .collect(Collectors.toSet());
    }
}
