package io.connectify.hub.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;

import javax.sql.DataSource;

import io.connectify.hub.ops.DatabaseLockTimeout;
import io.connectify.hub.ops.DatabaseProperties;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.RoutePolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The lease of the singleton routes on PostgreSQL, whose lock timeout Spring 6 leaves uncategorized: while another
 * transaction holds the lease's row longer than connectify.database.lock-timeout, the leader waits for it and keeps
 * leading (its singleton routes run on), and renews the lease once the row is free.
 */
class ClusterLeaseLockTimeoutTest {

    private static final String MEMBER = "test-leader";
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws IOException {
        postgres.close();
    }

    @Test
    void aLeaderWhoseLeaseRowIsHeldPastTheLockTimeoutKeepsLeadingAndItsSingletonRoutesRunOn() {
        hub().run(context -> {
            CamelContext camel = context.getBean(CamelContext.class);
            RoutePolicy singleton = context.getBean("singletonRoutePolicy", RoutePolicy.class);
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("timer:singleton?period=100").routeId("singleton").routePolicy(singleton).log("tick");
                }
            });
            camel.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> started(camel));

            Timestamp renewedBefore;
            try (Connection holder = postgres.getPostgresDatabase().getConnection()) { // no lock timeout of its own
                holder.setAutoCommit(false);
                try (ResultSet lease = holder.createStatement()
                        .executeQuery("SELECT CLIENT_ID, CREATED_DATE FROM CLUSTER_LOCK FOR UPDATE")) {
                    assertThat(lease.next()).isTrue();
                    assertThat(lease.getString(1).trim()).isEqualTo(MEMBER);
                    renewedBefore = lease.getTimestamp(2);
                }
                // five lock timeouts, several heartbeats: each renewal of the leader waits for the row and gives up
                await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                        .until(() -> started(camel));
                holder.rollback();
            }

            JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));
            await().atMost(Duration.ofSeconds(5)).until(() -> jdbc.sql("SELECT CREATED_DATE FROM CLUSTER_LOCK "
                    + "WHERE CLIENT_ID = :member").param("member", MEMBER).query(Timestamp.class).optional()
                    .filter(renewed -> renewed.after(renewedBefore)).isPresent());
            assertThat(started(camel)).isTrue();
        });
    }

    private static boolean started(CamelContext camel) {
        return camel.getRouteController().getRouteStatus("singleton").isStarted();
    }

    private static ApplicationContextRunner hub() {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as at start
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class, FlywayAutoConfiguration.class))
                .withUserConfiguration(Leases.class)
                .withPropertyValues("spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                        "spring.datasource.username=postgres",
                        "connectify.database.lock-timeout=300ms",
                        "connectify.cluster.member-id=" + MEMBER,
                        "connectify.cluster.heartbeat=200ms");
    }

    @EnableConfigurationProperties({DatabaseProperties.class, ClusterProperties.class})
    @Import({DatabaseLockTimeout.class, ClusterConfig.class})
    static class Leases {

        @Bean
        CamelContext camelContext() {
            return new DefaultCamelContext();
        }
    }
}
