package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.LoopbackProxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.actuate.health.Status;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The database check on PostgreSQL: one connection of its own, with the pool's settings, whatever the pool's
 * connections are doing; kept from one check to the next, and opened again when the server ends it.
 */
class DatabaseReachabilityTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    @Test
    void answersOnItsOwnKeptConnectionWhileEveryPooledOneIsBusyAndReopensOneTheServerEnded() throws Exception {
        JdbcClient admin = JdbcClient.create(postgres.dataSource());
        try (HikariDataSource pool = new HikariDataSource()) {
            pool.setJdbcUrl(postgres.jdbcUrl());
            pool.setMaximumPoolSize(2);
            pool.setConnectionTimeout(250);
            List<Connection> held = new ArrayList<>();
            try (DatabaseReachability check = DatabaseReachability.of(pool, Duration.ofSeconds(5))) {
                held.add(pool.getConnection());
                held.add(pool.getConnection());
                for (Connection connection : held) {
                    connection.setAutoCommit(false);
                    connection.createStatement().execute("SELECT 1");
                }

                for (int i = 0; i < 3; i++) {
                    var health = check.health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("database", "PostgreSQL");
                }
                assertThat(healthBackends(admin)).hasSize(1); // kept, not one per check

                Integer ended = healthBackends(admin).get(0);
                admin.sql("SELECT pg_terminate_backend(?)").param(ended).query().singleValue();

                assertThat(check.health().getStatus()).isEqualTo(Status.UP); // not DOWN for a connection it lost
                // the ended backend leaves pg_stat_activity a moment later
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(healthBackends(admin)).hasSize(1).doesNotContain(ended));
            } finally {
                for (Connection connection : held) {
                    connection.close();
                }
            }
            // closed with the check (its backend ends a moment after the client left)
            await().atMost(Duration.ofSeconds(10)).until(() -> healthBackends(admin).isEmpty());
        }
    }

    @Test
    void anErrorShowsNoPasswordOfTheSettingsOrOfAUrl() {
        HikariDataSource settings = new HikariDataSource();
        settings.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/hub?password=in-the-url&ssl=false");
        settings.setUsername("hub");
        settings.setPassword("s3cret-Pw");
        try (DatabaseReachability check = DatabaseReachability.of(settings, Duration.ofSeconds(1))) {
            var health = check.health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(String.valueOf(health.getDetails().get("error"))).doesNotContain("s3cret-Pw", "in-the-url");
            assertThat(check.masked("FATAL: no access for jdbc:h2:tcp://db/hub;PASSWORD=abc;X=1 (s3cret-Pw) ?pwd=x&y"))
                    .isEqualTo("FATAL: no access for jdbc:h2:tcp://db/hub;PASSWORD=******;X=1 (******) ?pwd=******&y");
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The network drops every packet (nothing closes the connections): the kept connection's check and a fresh
     * connection's login end within the timeout, DOWN, and the check's thread is free for the next one, UP once the
     * network is back. PostgreSQL's driver reads its socket for ever by default.
     */
    @Test
    void aNetworkThatDropsEveryPacketIsDownWithinTheTimeoutAndUpOnceItIsBack() throws Exception {
        try (LoopbackProxy network = new LoopbackProxy(postgres.port());
             HikariDataSource settings = new HikariDataSource()) {
            settings.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + network.port() + "/" + postgres.name());
            settings.setUsername("postgres");
            try (DatabaseReachability check = DatabaseReachability.of(settings, Duration.ofSeconds(1))) {
                assertThat(check.health().getStatus()).isEqualTo(Status.UP);

                network.dropping(true);
                // isValid(1) on the kept one, then a fresh one's login (loginTimeout 1 s; the driver's own default is 10 s)
                var down = assertTimeoutPreemptively(Duration.ofSeconds(6), check::health);
                assertThat(down.getStatus()).isEqualTo(Status.DOWN);

                network.dropping(false);
                var up = assertTimeoutPreemptively(Duration.ofSeconds(8), check::health);
                assertThat(up.getStatus()).isEqualTo(Status.UP);
            }
        }
    }

    private static List<Integer> healthBackends(JdbcClient admin) {
        return admin.sql("SELECT pid FROM pg_stat_activity WHERE application_name = 'connectify-hub health'")
                .query(Integer.class).list();
    }
}
