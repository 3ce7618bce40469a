package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import jakarta.jms.ConnectionFactory;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The webhook inbox (a journal on this instance's disk) follows the broker unless it is set: on with the embedded
 * broker, off with an external one (spring.artemis.mode native), where each webhook must be in the broker before it
 * is acknowledged. Before, it stayed on with an external broker unless the scale-out profile was active. The inbox's
 * health says which: its detail {@code enabled}. WebhookConfig on application.yaml, nothing else of the hub.
 */
class WebhookInboxDefaultTest {

    @TempDir
    Path inbox;

    @Test
    void onWithTheEmbeddedBroker() {
        runner().run(context -> assertThat(inboxEnabled(context.getBean("webhookInboxHealthIndicator",
                HealthIndicator.class))).isTrue());
    }

    @Test
    void offWithAnExternalBroker() {
        runner().withPropertyValues("spring.artemis.mode=native")
                .run(context -> assertThat(inboxEnabled(context.getBean("webhookInboxHealthIndicator",
                        HealthIndicator.class))).isFalse());
    }

    @Test
    void anExplicitSettingWinsEitherWay() {
        runner().withPropertyValues("spring.artemis.mode=native", "connectify.webhooks.inbox.enabled=true")
                .run(context -> assertThat(inboxEnabled(context.getBean("webhookInboxHealthIndicator",
                        HealthIndicator.class))).isTrue());
        runner().withPropertyValues("connectify.webhooks.inbox.enabled=false")
                .run(context -> assertThat(inboxEnabled(context.getBean("webhookInboxHealthIndicator",
                        HealthIndicator.class))).isFalse());
    }

    @Test
    void offItStillReportsTheEventsARunWithItOnLeftInItsJournalUntilTheyAreForwarded() throws Exception {
        // a run with the inbox on acknowledged two events and stopped before forwarding them (its Camel never started)
        DefaultCamelContext earlier = new DefaultCamelContext();
        WebhookInbox on = new WebhookInbox(true, inbox.toFile(), Duration.ofNanos(500_000), Long.MAX_VALUE,
                512 * 1024, Duration.ofMillis(20), Duration.ofSeconds(10), 8, earlier.createProducerTemplate(),
                Thread.NORM_PRIORITY, TransactionOperations.withoutTransaction(),
                new WebhookInbox.ForwardPolicy(10, Integer.MAX_VALUE, Duration.ZERO));
        on.start();
        for (String id : List.of("evt_1", "evt_2")) {
            Exchange event = new DefaultExchange(earlier);
            event.getMessage().setBody("{\"id\":\"" + id + "\"}");
            on.enqueue(event, "jms:queue:stripe-events");
        }
        on.stop();

        // this start has it off and its Camel not started yet: the two wait, and the health and the gauge say so
        runner().withPropertyValues("spring.artemis.mode=native").run(context -> {
            var health = context.getBean("webhookInboxHealthIndicator", HealthIndicator.class).health();
            assertThat(health.getDetails()).containsEntry("enabled", false).containsEntry("waiting", 2);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            context.getBean("webhookInboxMetrics", MeterBinder.class).bindTo(meters);
            assertThat(meters.get("connectify.webhook.inbox.waiting").gauge().value()).isEqualTo(2);
        });
    }

    @Test
    void aSettingThatIsNeitherTrueNorFalseStopsTheStart() {
        runner().withPropertyValues("connectify.webhooks.inbox.enabled=yes-please")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("connectify.webhooks.inbox.enabled must be true, false or empty"));
    }

    private ApplicationContextRunner runner() {
        DefaultCamelContext camel = new DefaultCamelContext();
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml
                // Spring Boot's conversions (1MB, 500us) for the @Value parameters, as a Spring Boot start has them
                .withInitializer(context -> context.getBeanFactory()
                        .setConversionService(ApplicationConversionService.getSharedInstance()))
                .withConfiguration(AutoConfigurations.of(PropertyPlaceholderAutoConfiguration.class))
                .withPropertyValues("connectify.webhooks.inbox.directory=" + inbox)
                .withUserConfiguration(WebhookConfig.class)
                .withBean(DataSource.class, () -> mock(DataSource.class))
                .withBean(TransactionTemplate.class,
                        () -> new TransactionTemplate(mock(PlatformTransactionManager.class)))
                .withBean(ConnectionFactory.class, () -> mock(ConnectionFactory.class))
                .withBean(ProducerTemplate.class, camel::createProducerTemplate)
                .withBean(WebhookMetrics.class, () -> new WebhookMetrics(new SimpleMeterRegistry()));
    }

    private static boolean inboxEnabled(HealthIndicator health) {
        return (Boolean) health.health().getDetails().get("enabled");
    }
}
