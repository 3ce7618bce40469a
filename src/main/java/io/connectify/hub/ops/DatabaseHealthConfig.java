package io.connectify.hub.ops;

import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.jdbc.DataSourceHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The database's health ("db", in the readiness group): Spring Boot's check, answered within
 * {@code connectify.health.database-timeout} ({@link BoundedHealthIndicator}). Named as Boot's bean, which it
 * replaces. Boot's own waited for a pooled connection while the database was unreachable, up to HikariCP's
 * connection-timeout (30 s), and the readiness probe answered as late.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnEnabledHealthIndicator("db") // as Boot's: management.health.db.enabled=false turns it off
public class DatabaseHealthConfig {

    @Bean
    BoundedHealthIndicator dbHealthIndicator(DataSource dataSource,
                                             @Value("${connectify.health.database-timeout}") Duration timeout) {
        return new BoundedHealthIndicator(new DataSourceHealthIndicator(dataSource), timeout, "database");
    }
}
