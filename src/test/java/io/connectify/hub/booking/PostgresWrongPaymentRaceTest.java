package io.connectify.hub.booking;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/** {@link WrongPaymentRaceTests} on PostgreSQL (embedded), migrated as the hub migrates. */
class PostgresWrongPaymentRaceTest extends WrongPaymentRaceTests {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    private static JdbcClient jdbc;
    private static BookingRepository bookings;

    @BeforeAll
    static void migrate() {
        bookings = PostgresRepositories.migrated(postgres, BookingRepository::new);
        jdbc = JdbcClient.create(postgres.dataSource());
    }

    @Override
    BookingRepository bookings() {
        return bookings;
    }

    @Override
    JdbcClient jdbc() {
        return jdbc;
    }
}
