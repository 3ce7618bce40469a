package io.connectify.hub.ops;

import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.jdbc.DataSourceHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The database's health ("db", in the readiness group): whether the database answers on a connection of the check's
 * own, outside the pool ({@link DatabaseReachability}), within {@code connectify.health.database-timeout}
 * ({@link BoundedHealthIndicator}). Named as Boot's bean, which it replaces. Boot's own waited for a pooled
 * connection: up to HikariCP's connection-timeout (30 s) while the database was unreachable, and past the time bound
 * (DOWN, 503) while every pooled connection was merely busy. A data source other than HikariCP with a JDBC URL
 * (none the hub configures) keeps Boot's check, bounded.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnEnabledHealthIndicator("db") // as Boot's: management.health.db.enabled=false turns it off
public class DatabaseHealthConfig {

    @Bean
    BoundedHealthIndicator dbHealthIndicator(DataSource dataSource,
                                             @Value("${connectify.health.database-timeout}") Duration timeout)
            throws SQLException {
        HikariDataSource pool = dataSource.isWrapperFor(HikariDataSource.class)
                ? dataSource.unwrap(HikariDataSource.class) : null;
        HealthIndicator check = pool != null && pool.getJdbcUrl() != null
                ? DatabaseReachability.of(pool, timeout)
                : new DataSourceHealthIndicator(dataSource);
        return new BoundedHealthIndicator(check, timeout, "database");
    }
}
