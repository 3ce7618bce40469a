package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import io.connectify.hub.support.LoopbackProxy;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The hub is not ready while its database is unreachable, and says so within moments: Spring Boot's check waited
 * for a pooled connection up to HikariCP's connection-timeout (30 s) first. The database is H2 behind its TCP
 * server, reached through a proxy that goes away (its connections broken, new ones refused) and comes back.
 */
@HubTest
@DirtiesContext // the database goes away: no other test may reuse this context
class DatabaseReadinessTest extends HubTestBase {

    private static final Server database = startDatabase();
    private static final LoopbackProxy network = new LoopbackProxy(database.getPort());

    @Autowired
    DataSource dataSource;

    @DynamicPropertySource
    static void databaseThroughTheProxy(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> "jdbc:h2:tcp://127.0.0.1:" + network.port() + "/mem:readiness-"
                + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    @AfterAll
    static void stopDatabase() {
        network.off();
        database.stop();
    }

    @Test
    void readinessGoesDownWithinSecondsWhileTheDatabaseIsUnreachableAndUpOnceItIsBack() throws Exception {
        assertThat(httpGet("/actuator/health/readiness", null).status()).isEqualTo(200);

        network.off();
        // the pool drops its broken connections as it meets them (PostgreSQL's driver says 08006, and HikariCP
        // evicts the connection; H2's remote driver names it closed, which HikariCP keeps): dropped here at once, so
        // that the check asks for a new connection, as it does once an outage has lasted a moment
        dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean().softEvictConnections();

        // the database check's bound (connectify.health.database-timeout, 5 s), well before HikariCP's 30 s
        var down = await().atMost(Duration.ofSeconds(10))
                .until(() -> httpGet("/actuator/health/readiness", null), r -> r.status() == 503);
        assertThat(down.json().get("components").get("db").get("status").asText()).isEqualTo("DOWN");
        assertThat(httpGet("/actuator/health/liveness", null).status()).isEqualTo(200);

        network.on();

        // the check waiting for a connection since gets one, and the next probe starts a fresh one
        var up = await().atMost(Duration.ofSeconds(45))
                .until(() -> httpGet("/actuator/health/readiness", null), r -> r.status() == 200);
        assertThat(up.json().get("components").get("db").get("status").asText()).isEqualTo("UP");
    }

    private static Server startDatabase() {
        try {
            return Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-tcpDaemon").start();
        } catch (SQLException e) {
            throw new IllegalStateException("H2's TCP server did not start", e);
        }
    }
}
