package io.connectify.hub.support;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.JdbcClientAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.JdbcTemplateAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A hub instance of the beans a clock-skew test names (as the hub's component scan finds them) on the test's
 * database, with the hub's {@code Clock}, the one every other bean reads, off by a skew: application.yaml as at
 * start, the DataSource with its transactions, JdbcClient and Flyway's migrations. Two of them share the database as
 * two instances behind a load balancer do.
 */
public final class SkewedInstance {

    private SkewedInstance() {
    }

    /** On {@code database}: the H2 file in {@code h2Directory}, or the class's PostgreSQL. */
    public static ApplicationContextRunner on(Database database, Path h2Directory, EmbeddedPostgresDatabase postgres,
                                              Duration skew, Class<?> beans) {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as at start
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
                        JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class,
                        FlywayAutoConfiguration.class))
                .withUserConfiguration(beans)
                .withBean(Clock.class, () -> Clock.offset(Clock.systemUTC(), skew))
                .withPropertyValues("spring.datasource.url=" + database.url(Database.h2File(h2Directory), postgres),
                        "spring.datasource.username=" + database.user());
    }
}
