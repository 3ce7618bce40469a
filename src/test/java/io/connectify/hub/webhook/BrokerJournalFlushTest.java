package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.junit.jupiter.api.Test;

/** connectify.queues.journal-flush-interval reaches the embedded broker's journal and paging, whichever is used. */
class BrokerJournalFlushTest {

    @Test
    void theFlushIntervalTimesTheJournalOfEitherKindAndThePageSyncs() {
        ConfigurationImpl broker = new ConfigurationImpl();

        new WebhookConfig().brokerJournalFlush(Duration.ofNanos(250_000)).customize(broker);

        assertThat(broker.getJournalBufferTimeout_NIO()).isEqualTo(250_000);
        assertThat(broker.getJournalBufferTimeout_AIO()).isEqualTo(250_000);
        assertThat(broker.getPageSyncTimeout()).isEqualTo(250_000);
    }
}
