package io.connectify.hub.booking;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The same Flyway migrations and repository SQL run on PostgreSQL (production) as on H2 (embedded default). */
class PostgresMigrationTest {

    private static EmbeddedPostgres postgres;
    private static BookingRepository repository;
    private static JdbcClient jdbc;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
        var dataSource = postgres.getPostgresDatabase();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        jdbc = JdbcClient.create(dataSource);
        var availability = new AvailabilityProperties(ZoneId.of("Europe/Zurich"), java.util.Map.of(), null, null,
                null, null);
        repository = new BookingRepository(jdbc, new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                availability);
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @Test
    void bookingsRoundTripWithTheirInstantsAndHoldsOnPostgres() {
        Instant now = Instant.parse("2026-11-30T07:00:00Z");
        var zurich = ZoneId.of("Europe/Zurich");
        var booking = new Booking("2f1c7d0e-0000-4000-8000-000000000001", BookingStatus.PENDING_PAYMENT,
                Instant.parse("2026-12-01T08:00:00Z").atZone(zurich).toOffsetDateTime(),
                Instant.parse("2026-12-01T09:00:00Z").atZone(zurich).toOffsetDateTime(), 60, 9000, "CHF",
                new Customer("John Doe", "john@example.com", "+41791234567", "de", "Europe/Zurich"), "Consultation", null, null,
                null, null, now.plusSeconds(900), now, null, null, null);

        Integer locked = repository.withSlotLock(() -> {
            repository.insert(booking, now);
            return 1;
        });

        assertThat(locked).isEqualTo(1);
        var read = repository.find(booking.id()).orElseThrow();
        assertThat(read.start().toString()).isEqualTo("2026-12-01T09:00+01:00");
        assertThat(read.holdExpiresAt()).isEqualTo(now.plusSeconds(900));
        assertThat(repository.activeRanges(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-02T00:00:00Z"),
                now)).containsExactly(booking.range());
        assertThat(repository.expireHolds(now.plusSeconds(901))).isEqualTo(1);
        assertThat(repository.find(booking.id()).orElseThrow().status()).isEqualTo(BookingStatus.EXPIRED);
        assertThat(jdbc.sql("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")
                .query(String.class).list()).containsExactly("1", "2", "3", "4", "5", "6", "7");
    }
}
