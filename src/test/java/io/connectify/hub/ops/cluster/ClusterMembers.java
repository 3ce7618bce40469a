package io.connectify.hub.ops.cluster;

import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Optional;

import javax.sql.DataSource;

import io.connectify.hub.ops.DatabaseLockTimeout;
import io.connectify.hub.ops.DatabaseProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.RoutePolicy;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The cluster tests' hub members: a member's lease of the singleton routes on a database of the test's, the singleton
 * route it leads with, and the lease as the lease table holds it.
 */
final class ClusterMembers {

    private ClusterMembers() {
    }

    /** A hub instance's lease and singleton route on the database at {@code url}, renewing its lease every 200 ms. */
    static ApplicationContextRunner member(String url, String user, String id) {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as at start
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class, FlywayAutoConfiguration.class))
                .withUserConfiguration(Member.class)
                .withPropertyValues("spring.datasource.url=" + url,
                        "spring.datasource.username=" + user,
                        "connectify.cluster.member-id=" + id,
                        "connectify.cluster.heartbeat=200ms");
    }

    /** The member with a fresh lease table, its singleton route started: it leads. */
    static CamelContext leading(AssertableApplicationContext context) throws Exception {
        JdbcClient.create(context.getBean(DataSource.class)).sql("DELETE FROM CLUSTER_LOCK").update();
        CamelContext camel = withSingletonRoute(context);
        camel.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> started(camel));
        return camel;
    }

    /** The member's Camel context with the route "singleton" (a timer every 100 ms) under the singleton policy. */
    static CamelContext withSingletonRoute(AssertableApplicationContext context) throws Exception {
        CamelContext camel = context.getBean(CamelContext.class);
        RoutePolicy singleton = context.getBean("singletonRoutePolicy", RoutePolicy.class);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:singleton?period=100").routeId("singleton").routePolicy(singleton).log("tick");
            }
        });
        return camel;
    }

    /** Whether the member leads: its singleton route runs. */
    static boolean started(CamelContext camel) {
        return camel.getRouteController().getRouteStatus("singleton").isStarted();
    }

    static Optional<Lease> lease(AssertableApplicationContext context) {
        return JdbcClient.create(context.getBean(DataSource.class))
                .sql("SELECT CLIENT_ID, CREATED_DATE FROM CLUSTER_LOCK WHERE REGION = 'connectify'") // not a claim
                .query((row, n) -> new Lease(row.getString(1).trim(), row.getTimestamp(2))).optional();
    }

    /** The lease's row: who holds it and when it last renewed it (CREATED_DATE). */
    record Lease(String member, Timestamp renewed) {
    }

    // no @Configuration: the hub's component scan would find it here (outside a test class) and give every hub test
    // this bare CamelContext, without the hub's routes
    @EnableConfigurationProperties({DatabaseProperties.class, ClusterProperties.class})
    @Import({DatabaseLockTimeout.class, ClusterConfig.class})
    static class Member {

        @Bean
        CamelContext camelContext() {
            return new DefaultCamelContext();
        }
    }
}
