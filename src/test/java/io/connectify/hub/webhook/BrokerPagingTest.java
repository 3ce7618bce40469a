package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.paging.PagingStore;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jms.core.JmsTemplate;

/**
 * A backlog larger than {@code connectify.queues.broker-memory} (1 MB) is paged to disk instead of held on the heap,
 * and every queued message comes back intact and in order.
 */
@HubTest
class BrokerPagingTest extends HubTestBase {

    private static final String QUEUE = "paging-check";

    @Autowired
    EmbeddedActiveMQ broker;

    @Autowired
    ConnectionFactory connectionFactory;

    @Test
    void aBacklogBeyondTheBrokerMemoryIsPagedToDiskAndLosesNothing() throws Exception {
        JmsTemplate jms = new JmsTemplate(connectionFactory); // its own: the receive timeout is set below
        String filler = "x".repeat(8 * 1024);
        int count = 400; // about 3.2 MB of events, three times the broker's memory
        for (int i = 0; i < count; i++) {
            String body = i + ":" + filler;
            jms.send(QUEUE, session -> session.createTextMessage(body));
        }

        PagingStore store = broker.getActiveMQServer().getPagingManager().getPageStore(SimpleString.of(QUEUE));
        assertThat(store.isPaging()).isTrue();
        assertThat(store.getNumberOfPages()).isGreaterThan(1);
        assertThat(store.getAddressSize()).isLessThan((long) count * filler.length() / 2);

        jms.setReceiveTimeout(5_000);
        List<Integer> received = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            TextMessage message = (TextMessage) jms.receive(QUEUE);
            assertThat(message).as("message %d", i).isNotNull();
            String text = message.getText();
            assertThat(text).endsWith(filler);
            received.add(Integer.parseInt(text.substring(0, text.indexOf(':'))));
        }
        assertThat(received).hasSize(count).isSorted().doesNotHaveDuplicates();
        jms.setReceiveTimeout(200);
        assertThat(jms.receive(QUEUE)).isNull();
    }

    @Test
    void messageGroupsAreHashedIntoTheConfiguredBuckets() {
        // connectify.queues.order-group-buckets: without buckets Artemis would pin every booking id it ever saw
        assertThat(broker.getActiveMQServer().getAddressSettingsRepository().getMatch("stripe-events")
                .getDefaultGroupBuckets()).isEqualTo(256);
    }
}
