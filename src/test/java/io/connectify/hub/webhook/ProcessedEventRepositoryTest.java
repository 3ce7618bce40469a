package io.connectify.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
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
        return repository(dataSource, processorName);
    }

    private static ProcessedEventRepository repository(DataSource dataSource, String processorName) {
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

    @Test
    void keysRecordedMeanwhileShareTheNextCommit() throws Exception {
        CountDownLatch firstCommitMayFinish = new CountDownLatch(1);
        AtomicInteger commits = new AtomicInteger();
        ProcessedEventRepository grouped = repository(firstCommitHeldBack(commits, firstCommitMayFinish),
                "webhook-events");
        ExecutorService consumers = Executors.newFixedThreadPool(8);
        try {
            Future<Boolean> first = consumers.submit(() -> grouped.add("stripe:evt_first"));
            await().atMost(10, TimeUnit.SECONDS).until(() -> commits.get() == 1);
            List<Future<Boolean>> meanwhile = IntStream.range(0, 7)
                    .mapToObj(i -> consumers.submit(() -> grouped.add("stripe:evt_" + i))).toList();
            await().atMost(10, TimeUnit.SECONDS).until(() -> grouped.waiting() == 7);
            assertThat(meanwhile).noneMatch(Future::isDone); // none returns before its key is committed

            firstCommitMayFinish.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
            for (Future<Boolean> added : meanwhile) {
                assertThat(added.get(10, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            consumers.shutdownNow();
        }
        assertThat(commits).hasValue(2);
        assertThat(new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE processorName = 'webhook-events'", Integer.class))
                .isEqualTo(8);
    }

    @Test
    void theSameKeyTwiceInOneCommitIsRecordedOnce() throws Exception {
        CountDownLatch firstCommitMayFinish = new CountDownLatch(1);
        AtomicInteger commits = new AtomicInteger();
        ProcessedEventRepository grouped = repository(firstCommitHeldBack(commits, firstCommitMayFinish),
                "webhook-events");
        ExecutorService consumers = Executors.newFixedThreadPool(3);
        try {
            Future<Boolean> first = consumers.submit(() -> grouped.add("stripe:evt_first"));
            await().atMost(10, TimeUnit.SECONDS).until(() -> commits.get() == 1);
            Future<Boolean> one = consumers.submit(() -> grouped.add("stripe:evt_twice"));
            Future<Boolean> other = consumers.submit(() -> grouped.add("stripe:evt_twice"));
            await().atMost(10, TimeUnit.SECONDS).until(() -> grouped.waiting() == 2);

            firstCommitMayFinish.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
            // the group's commit fails on the primary key; each key on its own then: one new, one recorded before
            assertThat(List.of(one.get(10, TimeUnit.SECONDS), other.get(10, TimeUnit.SECONDS)))
                    .containsExactlyInAnyOrder(true, false);
        } finally {
            consumers.shutdownNow();
        }
        assertThat(new JdbcTemplate(dataSource).queryForObject(
                "SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE messageId = 'stripe:evt_twice'", Integer.class))
                .isEqualTo(1);
    }

    /** The test's database, counting the commits that insert keys; the first one waits for the latch. */
    private DataSource firstCommitHeldBack(AtomicInteger commits, CountDownLatch firstCommitMayFinish) {
        return new DelegatingDataSource(dataSource) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection connection = super.getConnection();
                boolean[] inserted = {false};
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("prepareStatement")
                                    && ((String) args[0]).startsWith("INSERT")) {
                                inserted[0] = true;
                            }
                            if (method.getName().equals("commit") && inserted[0]
                                    && commits.incrementAndGet() == 1) {
                                firstCommitMayFinish.await(10, TimeUnit.SECONDS);
                            }
                            try {
                                return method.invoke(connection, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
    }
}
