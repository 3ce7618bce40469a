package io.connectify.hub.booking;

import java.time.ZoneId;
import java.util.Map;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link WrongPaymentRaceTests} on H2, the embedded default, migrated as the hub migrates. */
class WrongPaymentRaceTest extends WrongPaymentRaceTests {

    private static JdbcClient jdbc;
    private static BookingRepository bookings;

    @BeforeAll
    static void migrate() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:wrong-payment-race;DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        jdbc = JdbcClient.create(dataSource);
        bookings = new BookingRepository(jdbc, new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                new AvailabilityProperties(ZoneId.of("Europe/Zurich"), Map.of(), null, null, null, null));
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
