package io.connectify.hub.webhook;

import java.io.File;
import java.time.Duration;

import javax.sql.DataSource;

import io.connectify.hub.ConfigurationError;
import jakarta.jms.ConnectionFactory;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.camel.ProducerTemplate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jms.connection.JmsTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.unit.DataSize;

@Configuration(proxyBeanMethods = false)
public class WebhookConfig {

    /**
     * The idempotent consumer's store: processed event keys in the database (Flyway creates the table), shared
     * by every hub instance, so a duplicate delivery is dropped whichever instance processes it.
     */
    @Bean
    ProcessedEventRepository webhookEventRepository(DataSource dataSource, TransactionTemplate transactions) {
        ProcessedEventRepository repository = new ProcessedEventRepository(dataSource, transactions, "webhook-events");
        repository.setCreateTableIfNotExists(false);
        return repository;
    }

    /**
     * The threads of the queue consumers (payment events, notifications), at a lower priority than the request
     * threads: under a burst of webhooks the cores go first to acknowledging them (each is safe in the queue once
     * acknowledged) and the backlog is processed as the burst leaves room. The OS applies the priority only with
     * {@code -XX:ThreadPriorityPolicy=1} (docker/jvm.options maps priority 2 to nice 10, which still gets about a
     * tenth of a busy core); elsewhere it changes nothing.
     */
    @Bean
    SimpleAsyncTaskExecutor queueConsumerExecutor(@Value("${connectify.queues.consumer-thread-priority}") int priority) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("queue-consumer-");
        executor.setThreadPriority(priority);
        return executor;
    }

    /**
     * The embedded broker redelivers a failed event with back-off and, after the configured attempts, moves it to
     * the DLQ address instead of dropping it (Artemis drops it when no dead-letter address is set), into its one
     * queue {@code DLQ} (Spring Boot's embedded configuration makes it; an external Artemis has it by default), from
     * where the admin API moves it back (ops/BrokerDeadLetters). It keeps at most
     * {@code broker-memory} of a backlog in memory, pages the rest to its data directory (durable all the same) and
     * reads paged events back in steps of that size: Artemis's defaults (half the heap, 20 MB read ahead per queue,
     * both counted in its own estimate, about a third of what the messages take on the heap) let a burst of
     * webhooks grow the heap by hundreds of megabytes.
     */
    @Bean
    ArtemisConfigurationCustomizer brokerAddressSettings(
            @Value("${connectify.queues.max-delivery-attempts}") int maxDeliveryAttempts,
            @Value("${connectify.queues.redelivery-delay}") Duration redeliveryDelay,
            @Value("${connectify.queues.broker-memory}") DataSize brokerMemory,
            @Value("${connectify.queues.order-group-buckets}") int orderGroupBuckets) {
        int readAhead = intBytes(brokerMemory);
        return configuration -> configuration.setGlobalMaxSize(brokerMemory.toBytes())
                .addAddressSetting("#", new AddressSettings()
                        .setDeadLetterAddress(SimpleString.of("DLQ"))
                        .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                        .setMaxDeliveryAttempts(maxDeliveryAttempts)
                        .setRedeliveryDelay(redeliveryDelay.toMillis())
                        .setRedeliveryMultiplier(2.0)
                        .setMaxRedeliveryDelay(60_000)
                        .setPageSizeBytes(readAhead) // the page being written stays in memory as a whole
                        .setMaxReadPageBytes(readAhead)
                        .setPrefetchPageBytes(readAhead)
                        // message groups (WebhookHeaders.ORDER_GROUP) hashed into buckets: the broker pins a
                        // bucket to a consumer, not each booking id for ever (its group map would only grow)
                        .setDefaultGroupBuckets(orderGroupBuckets));
    }

    /** The consumer window and the destination cache on the connection factory Spring Boot makes. */
    @Bean
    static BrokerClientSettings brokerClientSettings(
            @Value("${connectify.queues.consumer-window}") DataSize consumerWindow) {
        return new BrokerClientSettings(intBytes(consumerWindow));
    }

    /**
     * How long the embedded broker gathers journal writes before it writes and syncs them to disk. A persistent
     * send (the webhook's 200) and a transacted consumer's commit each wait for that sync. Artemis's default for
     * its Java NIO journal (used where the Linux libaio is absent, as here and in the image) is 3.33 ms, a disk
     * that syncs 300 times a second: it held one consumer to about 300 events/s, on a disk that syncs in 0.1-0.2
     * ms, and the ingress at 16 connections, which waits for the sync, reached 0.26 of the bare endpoint against
     * 0.32 at 500 us (bench/RESULTS.md). Artemis's advice is to set it from the disk's measured sync time
     * ({@code artemis perf-journal}).
     */
    @Bean
    ArtemisConfigurationCustomizer brokerJournalFlush(
            @Value("${connectify.queues.journal-flush-interval}") Duration flushInterval) {
        int nanos = (int) Math.min(Integer.MAX_VALUE, flushInterval.toNanos());
        return configuration -> configuration.setJournalBufferTimeout_NIO(nanos).setJournalBufferTimeout_AIO(nanos)
                .setPageSyncTimeout(nanos);
    }

    /**
     * The write-ahead inbox the webhook ingress routes enqueue verified events through (see its comment). On by
     * default with the embedded broker, off with an external one ({@code spring.artemis.mode=native}): the inbox is a
     * journal on this instance's disk, and an event acknowledged into it waits there for this instance to forward it,
     * where with an external broker it should be in the broker before it is acknowledged. Before, it stayed on with
     * an external broker unless the scale-out profile was active. An explicit
     * {@code connectify.webhooks.inbox.enabled} wins either way.
     */
    @Bean
    WebhookInbox webhookInbox(@Value("${connectify.webhooks.inbox.enabled:}") String enabledSetting,
            @Value("${spring.artemis.mode:}") String brokerMode,
            @Value("${connectify.webhooks.inbox.directory}") File directory,
            @Value("${connectify.queues.journal-flush-interval}") Duration flushInterval,
            @Value("${connectify.webhooks.inbox.memory}") DataSize memory,
            @Value("${connectify.webhooks.max-body-bytes}") int largestBody,
            @Value("${connectify.webhooks.inbox.retry-delay}") Duration retryDelay,
            @Value("${connectify.webhooks.inbox.left-over-wait}") Duration leftOverWait,
            @Value("${connectify.webhooks.inbox.left-over-holds}") int leftOverHolds,
            ProducerTemplate template,
            @Value("${connectify.queues.consumer-thread-priority}") int priority,
            ConnectionFactory connectionFactory,
            @Value("${connectify.webhooks.inbox.forward-batch}") int forwardBatch,
            @Value("${connectify.webhooks.inbox.burst-rate}") long burstRate,
            @Value("${connectify.webhooks.inbox.forward-linger}") Duration forwardLinger) {
        // the forwarder's own local JMS transactions, not a bean: the queue consumers use their sessions' (and the
        // database's, DatabaseTransactions), so no other code should pick this manager up
        JmsTransactionManager brokerTransactions = new JmsTransactionManager(connectionFactory);
        return new WebhookInbox(inboxEnabled(enabledSetting, brokerMode), directory, flushInterval, memory.toBytes(),
                largestBody, retryDelay, leftOverWait, leftOverHolds, template, priority, new TransactionTemplate(brokerTransactions),
                new WebhookInbox.ForwardPolicy(forwardBatch, burstRate, forwardLinger));
    }

    /** The inbox as the routes' {@code webhook-inbox:} endpoint (Camel finds a component by its bean name). */
    @Bean(WebhookInboxComponent.SCHEME)
    WebhookInboxComponent webhookInboxComponent(WebhookInbox inbox, WebhookMetrics metrics) {
        return new WebhookInboxComponent(inbox, metrics);
    }

    /** What waits in the inbox, for the dashboards and alerts. */
    @Bean
    MeterBinder webhookInboxMetrics(WebhookInbox inbox) {
        return registry -> {
            Gauge.builder("connectify.webhook.inbox.waiting", inbox, WebhookInbox::waiting)
                    .description("Verified webhook events in the inbox journal, not yet forwarded to their queue")
                    .register(registry);
            Gauge.builder("connectify.webhook.inbox.forwarding", inbox, i -> i.forwarding() ? 1 : 0)
                    .description("1 while the inbox forwards, 0 while its last forward failed (events wait)")
                    .register(registry);
            Gauge.builder("connectify.webhook.inbox.oldest", inbox, i -> i.oldestWaiting().toNanos() / 1e9)
                    .description("How long the oldest event in the inbox has waited for its queue (0: none waits)")
                    .baseUnit("seconds").register(registry);
        };
    }

    /**
     * Down while the inbox cannot forward (the events wait in its journal; the broker's indicator says why), or its
     * oldest event has waited longer than {@code connectify.webhooks.inbox.stuck-after}: a broker blocking sends
     * (its disk past max-disk-usage) stops the forwarder without any failure. An inbox that is off is judged the same
     * while it forwards events a run with it on left in its journal.
     */
    @Bean
    HealthIndicator webhookInboxHealthIndicator(WebhookInbox inbox,
            @Value("${connectify.webhooks.inbox.stuck-after}") Duration stuckAfter) {
        return () -> {
            if (!inbox.enabled() && inbox.waiting() == 0) {
                return Health.up().withDetail("enabled", false).build();
            }
            Duration oldest = inbox.oldestWaiting();
            boolean moving = inbox.forwarding() && oldest.compareTo(stuckAfter) <= 0;
            return (moving ? Health.up() : Health.down()).withDetail("enabled", inbox.enabled())
                    .withDetail("waiting", inbox.waiting()).withDetail("waitingBytes", inbox.waitingBytes())
                    .withDetail("oldestWaitingSeconds", oldest.toSeconds()).build();
        };
    }

    /** The inbox's setting if there is one, else on unless the broker is external (Artemis mode native). */
    static boolean inboxEnabled(String setting, String brokerMode) {
        if (setting == null || setting.isBlank()) {
            return !"native".equalsIgnoreCase(brokerMode == null ? "" : brokerMode.trim());
        }
        return switch (setting.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ConfigurationError.invalid("connectify.webhooks.inbox.enabled must be true, false or "
                    + "empty (on with the embedded broker, off with an external one), not '" + setting + "'");
        };
    }

    /** Artemis takes these sizes as an int; a larger setting means "as much as an int holds". */
    private static int intBytes(DataSize size) {
        return (int) Math.min(Integer.MAX_VALUE, size.toBytes());
    }
}
