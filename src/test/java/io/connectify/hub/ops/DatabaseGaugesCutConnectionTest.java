package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;
import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A connection to PostgreSQL cut in the middle of a refresh's query (the network drops its packets, nothing closes
 * it): the refresh fails within the network timeout, and the refresher is free for the next one. PostgreSQL's driver
 * reads its socket for ever by default, and the cancel a query timeout sends cannot reach a server cut off, so the
 * refresher's thread waited for good and the gauges stayed NaN after the database came back.
 */
class DatabaseGaugesCutConnectionTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    @Test
    void aRefreshWhoseConnectionIsCutMidQueryFailsWithinTheNetworkTimeout() throws Exception {
        Flyway.configure().dataSource(postgres.dataSource()).locations("classpath:db/migration").load().migrate();
        int port = Integer.parseInt(postgres.jdbcUrl().replaceAll(".*://[^:/]+:(\\d+)/.*", "$1"));
        try (CuttingProxy proxy = new CuttingProxy(port); HikariDataSource pool = new HikariDataSource()) {
            pool.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres");
            pool.setUsername("postgres");
            JdbcClient jdbc = JdbcClient.create(pool);
            JdbcTransactionManager transactions = new JdbcTransactionManager(pool);
            DatabaseGauges gauges = new DatabaseGauges(jdbc, new BookingRepository(jdbc,
                    new TransactionTemplate(transactions), new AvailabilityProperties(ZoneId.of("Europe/Zurich"),
                    Map.of(), null, null, null, null)), pool, transactions, Clock.systemUTC(),
                    new DeadLetterProperties(3, Duration.ofSeconds(1), new DeadLetterProperties.AutoReplay(
                            Duration.ofMinutes(1), Duration.ofMinutes(30), 10, Duration.ofSeconds(30),
                            Duration.ofMinutes(5))),
                    new DatabaseGaugeProperties(Duration.ofSeconds(15), Duration.ofSeconds(2)), System::nanoTime);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new HubMetrics(gauges, Clock.systemUTC(), null, "stripe-events", "payrexx-events", "twilio-status",
                    new io.connectify.hub.notification.NotificationProperties(100, 60000, "notifications",
                            "notifications-sms", "notifications-email", true, java.time.Duration.ofMinutes(5),
                            java.time.Duration.ofMinutes(15))).bindTo(registry);
            // the first refresh on a busy machine may outlast the query timeout (connecting, loading the driver's code)
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                gauges.refresh();
                return true;
            });
            assertThat(registry.get("connectify.dead.letters.stored").tag("waiting_for", "operator").gauge().value())
                    .isZero();

            proxy.cutOnceSent("FROM dead_letter"); // the refresh's last query: its connection is taken by then

            // network timeout: twice the query timeout, 4 s
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(gauges::refresh)
                    .hasRootCauseInstanceOf(SocketTimeoutException.class));
            assertThat(proxy.cut()).as("cut mid-query").isTrue();
        }
    }

    /**
     * Forwards connections to a port on loopback until {@link #cutOnceSent}'s text goes through; from then on it drops
     * every byte either way on every connection and closes none, as a network that is cut off does.
     */
    private static final class CuttingProxy implements AutoCloseable {

        private final int target;
        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final AtomicBoolean cut = new AtomicBoolean();
        private volatile byte[] marker;

        CuttingProxy(int target) throws IOException {
            this.target = target;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread accepting = new Thread(this::accept, "cutting-proxy");
            accepting.setDaemon(true);
            accepting.start();
        }

        int port() {
            return server.getLocalPort();
        }

        void cutOnceSent(String text) {
            marker = text.getBytes(StandardCharsets.UTF_8);
        }

        boolean cut() {
            return cut.get();
        }

        private void accept() {
            try {
                while (true) {
                    Socket client = server.accept();
                    Socket upstream = new Socket();
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
                    sockets.add(client);
                    sockets.add(upstream);
                    pump(client, upstream, true);
                    pump(upstream, client, false);
                }
            } catch (IOException closed) {
                // the proxy is closed
            }
        }

        private void pump(Socket from, Socket to, boolean fromClient) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[16384];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        if (cut.get()) {
                            continue; // dropped
                        }
                        if (fromClient && marker != null && contains(buffer, n, marker)) {
                            cut.set(true); // the query reaches the server; nothing comes back any more
                        }
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException closed) {
                    // a side closed
                }
            }, "cutting-proxy-pump");
            thread.setDaemon(true);
            thread.start();
        }

        private static boolean contains(byte[] buffer, int length, byte[] text) {
            outer:
            for (int i = 0; i + text.length <= length; i++) {
                for (int j = 0; j < text.length; j++) {
                    if (buffer[i + j] != text[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
