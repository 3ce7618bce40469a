package io.connectify.hub.webhook;

import javax.sql.DataSource;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.support.TransactionTemplate;

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
     * The embedded broker redelivers a failed event with back-off and, after the configured attempts, moves it to
     * the DLQ address instead of dropping it (Artemis drops it when no dead-letter address is set).
     */
    @Bean
    ArtemisConfigurationCustomizer deadLetterAddress(
            @Value("${connectify.queues.max-delivery-attempts}") int maxDeliveryAttempts,
            @Value("${connectify.queues.redelivery-delay}") java.time.Duration redeliveryDelay) {
        return configuration -> configuration.addAddressSetting("#", new AddressSettings()
                .setDeadLetterAddress(SimpleString.of("DLQ"))
                .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                .setAutoCreateDeadLetterResources(true)
                .setMaxDeliveryAttempts(maxDeliveryAttempts)
                .setRedeliveryDelay(redeliveryDelay.toMillis())
                .setRedeliveryMultiplier(2.0)
                .setMaxRedeliveryDelay(60_000));
    }
}
