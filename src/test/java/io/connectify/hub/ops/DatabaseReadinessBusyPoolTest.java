package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.HubTestBase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A busy pool is no unreachable database: with every pooled connection held in an open transaction for longer than
 * the database check's bound (connectify.health.database-timeout, 5 s), as consumers, requests and sweeps at load
 * hold them, the hub stays ready. The check waited for a pooled connection, answered DOWN after 5 s, and a load
 * balancer took the busy instance out.
 */
@HubTest
class DatabaseReadinessBusyPoolTest extends HubTestBase {

    @Autowired
    DataSource dataSource;

    @Test
    void readinessStaysUpWhileEveryPooledConnectionIsBusy() throws Exception {
        HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
                Connection connection = dataSource.getConnection();
                held.add(connection);
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SELECT COUNT(*) FROM booking");
                }
            }
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(pool.getMaximumPoolSize());

            var ready = await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(12))
                    .until(() -> httpGet("/actuator/health/readiness", null), r -> r.status() == 200);
            assertThat(ready.json().get("components").get("db").get("status").asText()).isEqualTo("UP");
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(pool.getMaximumPoolSize());
        } finally {
            for (Connection connection : held) {
                connection.rollback();
                connection.close();
            }
        }
    }
}
