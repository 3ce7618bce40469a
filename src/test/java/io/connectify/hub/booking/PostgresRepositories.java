package io.connectify.hub.booking;

import java.time.ZoneId;
import java.util.Map;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A booking repository, or a test's hooked subclass of it, on the embedded PostgreSQL migrated as the hub migrates. */
final class PostgresRepositories {

    /** A repository's constructor: BookingRepository's own, or a hooked subclass's of the same arguments. */
    interface Constructor<R extends BookingRepository> {
        R make(JdbcClient jdbc, TransactionTemplate transactions, AvailabilityProperties hours);
    }

    private PostgresRepositories() {
    }

    static <R extends BookingRepository> R migrated(EmbeddedPostgresDatabase postgres, Constructor<R> constructor) {
        var dataSource = postgres.dataSource();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        return constructor.make(JdbcClient.create(dataSource),
                new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                new AvailabilityProperties(ZoneId.of("Europe/Zurich"), Map.of(), null, null, null, null));
    }
}
