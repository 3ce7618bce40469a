package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.support.Database;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.SkewedInstance;
import io.connectify.hub.webhook.ProcessedEventRepository;
import io.connectify.hub.webhook.WebhookAudit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.mock.MockComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two instances sharing the dead letters, one with its clock 6 minutes ahead (more than overdue-after, 5 min): a
 * letter one stores is replayed first-after (here 1 s) after its failure by the other's sweep, and no instance's gauge
 * counts a replay due a moment ago as overdue. On both databases the hub runs on.
 * <p>
 * Each instance is the hub's dead-letter store and database gauges as the hub scans them, with the hub's {@code Clock}
 * (the one every other bean reads) off by the skew. Before the letters' times were the database's, a letter stored by
 * the instance ahead was due 6 minutes late, and the gauge of the instance ahead counted every letter due a minute
 * before as overdue: alert DeadLetterReplayOverdue while the replays worked.
 */
class DeadLetterClockSkewTest {

    private static final Duration SKEW = Duration.ofMinutes(6);
    private static final Duration FIRST_AFTER = Duration.ofSeconds(1);
    private static final String QUEUE = "dead-letter-skew";
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    @TempDir
    static Path h2Directory;

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void aLetterStoredByAnInstanceAheadIsReplayedFirstAfterItsFailureByTheLeader(Database database) {
        instance(database, SKEW).run(ahead -> instance(database, Duration.ZERO).run(leader -> {
            JdbcClient jdbc = leader.getBean(JdbcClient.class);
            jdbc.sql("DELETE FROM dead_letter").update();
            storePassingFailure(ahead, "evt_skew_ahead");

            DeadLetterStore.DeadLetter letter = leader.getBean(DeadLetterStore.class).get(
                    jdbc.sql("SELECT id FROM dead_letter").query(String.class).single());
            assertThat(letter.failedAt()).as("the database's time, not the instance's")
                    .isBetween(new DatabaseClock(jdbc).instant().minusSeconds(60), new DatabaseClock(jdbc).instant());
            assertThat(letter.retryAt()).isEqualTo(letter.failedAt().plus(FIRST_AFTER));
            await().atMost(FIRST_AFTER.plusSeconds(10))
                    .until(() -> leader.getBean(DeadLetterStore.class).replayDue(null) == 1);
            assertThat(leader.getBean(DeadLetterStore.class).get(letter.id()).status()).isEqualTo("REPLAYED");
        }));
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void theGaugeOfAnInstanceAheadCountsNoReplayDueAMomentAgoAsOverdue(Database database) {
        instance(database, Duration.ZERO).run(stored -> instance(database, SKEW).run(ahead -> {
            stored.getBean(JdbcClient.class).sql("DELETE FROM dead_letter").update();
            storePassingFailure(stored, "evt_skew_gauge");

            for (var instance : java.util.List.of(stored, ahead)) {
                DatabaseGauges gauges = instance.getBean(DatabaseGauges.class);
                gauges.refresh();
                assertThat(gauges.read(DatabaseGauges.Counts::deadLettersForAutomaticReplay)).isEqualTo(1);
                assertThat(gauges.read(DatabaseGauges.Counts::deadLettersReplayOverdue)).isZero();
            }
        }));
    }

    /** A queued message failed for a passing reason (an exhausted pool), as the dead-letter channel hands it over. */
    private static void storePassingFailure(AssertableApplicationContext instance, String event) throws Exception {
        CamelContext camel = instance.getBean(CamelContext.class);
        Exchange failed = new DefaultExchange(camel);
        failed.getIn().setBody("{\"id\":\"" + event + "\"}");
        failed.setProperty(Exchange.EXCEPTION_CAUGHT, new CannotGetJdbcConnectionException("pool exhausted"));
        failed.setProperty(Exchange.FAILURE_ROUTE_ID, "dead-letter-skew-dispatch");
        failed.getExchangeExtension().setFromEndpoint(camel.getEndpoint("jms:queue:" + QUEUE));
        instance.getBean(DeadLetterStore.class).store(failed);
    }

    private static ApplicationContextRunner instance(Database database, Duration skew) {
        return SkewedInstance.on(database, h2Directory, postgres, skew, DeadLetterBeans.class)
                .withPropertyValues("connectify.dead-letters.auto-replay.first-after=" + FIRST_AFTER.toMillis() + "ms");
    }

    /**
     * The dead-letter store and database gauges of the ops package, as the hub's component scan finds them; a queue
     * (the broker's, in the hub) that takes the replays, and no webhook audit.
     */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({DeadLetterProperties.class, DatabaseGaugeProperties.class})
    @ComponentScan(basePackageClasses = DeadLetterStore.class, useDefaultFilters = false,
            includeFilters = @ComponentScan.Filter(type = FilterType.REGEX,
                    pattern = "io\\.connectify\\.hub\\.ops\\.(DeadLetterStore|DatabaseGauges|DeadLetterClockConfig)"))
    static class DeadLetterBeans {

        @Bean(destroyMethod = "close")
        CamelContext camel() {
            CamelContext camel = new DefaultCamelContext();
            camel.addComponent("jms", new MockComponent());
            camel.start();
            return camel;
        }

        @Bean
        ProducerTemplate producer(CamelContext camel) {
            return camel.createProducerTemplate();
        }

        @Bean
        ObjectMapper json() {
            return new ObjectMapper();
        }

        @Bean
        SimpleMeterRegistry meters() {
            return new SimpleMeterRegistry();
        }

        @Bean
        WebhookAudit webhookAudit() {
            return mock(WebhookAudit.class);
        }

        @Bean
        ProcessedEventRepository processedEvents() {
            return mock(ProcessedEventRepository.class);
        }

        @Bean
        BookingRepository bookings(JdbcClient jdbc, TransactionTemplate transactions) {
            return new BookingRepository(jdbc, transactions,
                    new AvailabilityProperties(ZoneId.of("Europe/Zurich"), Map.of(), null, null, null, null));
        }
    }
}
