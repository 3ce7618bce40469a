package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The idempotent consumer's store on the hub's own schema (Flyway's migrations, H2). */
class ProcessedEventRepositoryTest {

    private JdbcDataSource dataSource;
    private ProcessedEventRepository repository;

    @BeforeEach
    void migrate() {
        dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:processed-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        Flyway.configure().dataSource(dataSource).load().migrate();
        repository = repository("webhook-events");
    }

    private ProcessedEventRepository repository(String processorName) {
        ProcessedEventRepository created = new ProcessedEventRepository(dataSource,
                new TransactionTemplate(new DataSourceTransactionManager(dataSource)), processorName);
        created.setCreateTableIfNotExists(false);
        created.start();
        return created;
    }

    @Test
    void recordsAKeyOnceAndRefusesItAfterwards() {
        assertThat(repository.contains("stripe:evt_1")).isFalse();

        assertThat(repository.add("stripe:evt_1")).isTrue();
        assertThat(repository.contains("stripe:evt_1")).isTrue();
        // a second consumer that processed the same event meanwhile: not an error, just not new
        assertThat(repository.add("stripe:evt_1")).isFalse();

        assertThat(new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE processorName = 'webhook-events' "
                        + "AND messageId = 'stripe:evt_1'", Integer.class)).isEqualTo(1);
    }

    @Test
    void keysOfAnotherProcessorAreItsOwn() {
        assertThat(repository.add("stripe:evt_2")).isTrue();

        ProcessedEventRepository other = repository("other-events");
        assertThat(other.contains("stripe:evt_2")).isFalse();
        assertThat(other.add("stripe:evt_2")).isTrue();
        assertThat(new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_2'", Integer.class))
                .isEqualTo(2);
    }
}
