package io.connectify.hub.ops;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * Can this instance reach its database now? Asked on a connection of the check's own, outside the pool: opened with
 * the pool's URL, user, password and driver properties, and a connect and read timeout; kept from one check to the
 * next and validated with {@link Connection#isValid(int)} within the timeout; opened again when it fails (the
 * database restarted, the network cut it), and DOWN only when a fresh one fails too.
 * <p>
 * Why: through the pool the check waited for a free connection. With every pooled connection busy for more than
 * {@code connectify.health.database-timeout} (queue consumers, API requests and sweeps at load) readiness answered
 * 503, and a load balancer took the busy instance out, its load moving to the next. Boot's check also validated
 * with {@code isValid(0)}: no timeout at all.
 * <p>
 * An error's text is shown in {@code /actuator/health} and logged: the password, and any password a URL carries,
 * are masked in it.
 */
public class DatabaseReachability implements HealthIndicator, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatabaseReachability.class);
    /** password=…, PASSWORD=…, pwd=… in a URL (PostgreSQL's query string, H2's settings) or a message. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)\\b(password|pwd)=[^;&\\s\"']*");

    private final SimpleDriverDataSource database;
    private final int timeoutSeconds;
    private final String password;
    private volatile Connection connection;
    private volatile boolean closed;
    private boolean failing; // guarded by this

    DatabaseReachability(SimpleDriverDataSource database, Duration timeout, String password) {
        this.database = database;
        this.timeoutSeconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        this.password = password;
    }

    /** The check for the pool's database: its URL, credentials, driver and driver properties. */
    public static DatabaseReachability of(HikariDataSource pool, Duration timeout) throws SQLException {
        String url = pool.getJdbcUrl();
        Properties properties = new Properties();
        properties.putAll(pool.getDataSourceProperties());
        int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        if (url.startsWith("jdbc:postgresql:")) {
            // connecting (connectTimeout), logging in (loginTimeout) and each read (socketTimeout) end in time: a
            // cut network drops packets, and the driver reads its socket for ever by default
            properties.setProperty("connectTimeout", String.valueOf(seconds));
            properties.setProperty("loginTimeout", String.valueOf(seconds));
            properties.setProperty("socketTimeout", String.valueOf(seconds));
            properties.setProperty("ApplicationName", "connectify-hub health");
        } else if (url.startsWith("jdbc:h2:") && !url.toUpperCase().contains("NETWORK_TIMEOUT")) {
            // H2's read timeout over TCP (its setNetworkTimeout does nothing); an embedded database ignores it
            properties.setProperty("NETWORK_TIMEOUT", String.valueOf(seconds * 1000));
        }
        SimpleDriverDataSource database = new SimpleDriverDataSource(driver(pool), url, properties);
        database.setUsername(pool.getUsername());
        database.setPassword(pool.getPassword());
        return new DatabaseReachability(database, timeout, pool.getPassword());
    }

    private static Driver driver(HikariDataSource pool) throws SQLException {
        String name = pool.getDriverClassName();
        if (name == null) {
            return DriverManager.getDriver(pool.getJdbcUrl());
        }
        try {
            return (Driver) Class.forName(name, true, DatabaseReachability.class.getClassLoader())
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new SQLException("the database driver " + name + " cannot be loaded", e);
        }
    }

    @Override
    public synchronized Health health() {
        try {
            String database = check();
            if (failing) {
                failing = false;
                log.info("The database answers again");
            }
            return Health.up().withDetail("database", database).withDetail("validationQuery", "isValid()").build();
        } catch (SQLException | RuntimeException e) {
            discard();
            String error = e.getClass().getName() + ": " + masked(e.getMessage());
            if (!failing) {
                failing = true; // once per outage, not once per probe
                log.warn("The database does not answer: {}", error);
            }
            return Health.down().withDetail("error", error).build();
        }
    }

    /** The database's product name, once a connection answered within the timeout. */
    private String check() throws SQLException {
        Connection kept = connection;
        if (kept != null && valid(kept)) {
            return kept.getMetaData().getDatabaseProductName();
        }
        discard(); // broken: a fresh one says whether the database is gone
        Connection fresh = database.getConnection();
        connection = fresh;
        if (closed) { // the hub stops: it would stay open otherwise
            discard();
            throw new SQLException("the health check is closed");
        }
        if (!fresh.isValid(timeoutSeconds)) {
            throw new SQLException("a new connection did not answer within " + timeoutSeconds + " s");
        }
        return fresh.getMetaData().getDatabaseProductName();
    }

    private boolean valid(Connection kept) {
        try {
            return kept.isValid(timeoutSeconds);
        } catch (SQLException e) {
            return false;
        }
    }

    private void discard() {
        Connection kept = connection;
        connection = null;
        if (kept != null) {
            try {
                kept.close();
            } catch (SQLException e) {
                // broken already
            }
        }
    }

    String masked(String message) {
        if (message == null) {
            return "";
        }
        String masked = URL_PASSWORD.matcher(message).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "=******"));
        return password == null || password.isEmpty() ? masked : masked.replace(password, "******");
    }

    @Override
    public void close() {
        closed = true;
        discard();
    }
}
