package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The embedded H2 database as application.yaml configures it (its URL, only moved to a temporary directory), under a
 * thread that is interrupted while it writes, as Camel and Spring interrupt threads (shutdown, timeouts, a circuit
 * breaker's time limit, an executor's cancel(true)). A plain FileChannel is closed by the interrupt, and H2 then took
 * the whole database for closed: every later statement of every thread failed until a restart. Through H2's
 * {@code retry:} file system the file is re-opened and the write repeated.
 */
class EmbeddedDatabaseInterruptTest {

    private static final String HUB_DATABASE = "./data/connectify";
    private static final int COMMITS = 200;
    private static final int INTERRUPTS = 10;

    @TempDir
    Path dir;
    private ExecutorService writers;

    @BeforeEach
    void start() {
        writers = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stop() {
        writers.shutdownNow();
    }

    @Test
    void aThreadInterruptedBeforeItCommitsLeavesTheDatabaseOpenForEveryOtherStatement() {
        hubDatabase().run(context -> {
            assertThat(context).hasNotFailed();
            JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));

            // the interrupt flag set before the write: the commit's file write is the first to meet it
            CompletableFuture<Void> interrupted = CompletableFuture.runAsync(() -> {
                Thread.currentThread().interrupt();
                insert(jdbc, "stripe:evt_interrupted");
            }, writers);
            Throwable outcome = interrupted.handle((done, failure) -> failure).get(30, TimeUnit.SECONDS);

            // the same pooled thread and another one: on a plain file both failed, "The database has been closed"
            CompletableFuture.runAsync(() -> insert(jdbc, "stripe:evt_after"), writers).get(30, TimeUnit.SECONDS);
            insert(jdbc, "stripe:evt_elsewhere");
            assertThat(messageIds(jdbc)).contains("stripe:evt_after", "stripe:evt_elsewhere");
            // and the interrupted commit itself was not lost
            assertThat(outcome).isNull();
            assertThat(messageIds(jdbc)).contains("stripe:evt_interrupted");
        });
    }

    @Test
    void aThreadInterruptedTimeAndAgainWhileTwoWriteLosesNoCommitOfEither() {
        hubDatabase().run(context -> {
            assertThat(context).hasNotFailed();
            JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));
            ExecutorService both = Executors.newFixedThreadPool(2);
            try {
                AtomicReference<Thread> interruptedOne = new AtomicReference<>();
                CompletableFuture<Void> interrupted = CompletableFuture.runAsync(() -> {
                    interruptedOne.set(Thread.currentThread());
                    writeMany(jdbc, "interrupted", COMMITS);
                }, both);
                CompletableFuture<Void> other =
                        CompletableFuture.runAsync(() -> writeMany(jdbc, "other", COMMITS), both);

                // interrupts spread over the writes, each once the writer has got that far
                for (int i = 1; i <= INTERRUPTS; i++) {
                    int progress = i * COMMITS / (INTERRUPTS + 1);
                    await().atMost(Duration.ofSeconds(30)).until(() -> count(jdbc, "interrupted") >= progress);
                    interruptedOne.get().interrupt();
                }

                CompletableFuture.allOf(interrupted, other).get(60, TimeUnit.SECONDS);
                assertThat(count(jdbc, "interrupted")).isEqualTo(COMMITS);
                assertThat(count(jdbc, "other")).isEqualTo(COMMITS);
            } finally {
                both.shutdownNow();
            }
        });
    }

    /** The hub's pool and schema on application.yaml's datasource URL, with the file in this test's directory. */
    private ApplicationContextRunner hubDatabase() {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as at start
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        FlywayAutoConfiguration.class))
                .withInitializer(context -> {
                    String url = context.getEnvironment().getRequiredProperty("spring.datasource.url");
                    assertThat(url).contains(HUB_DATABASE);
                    String here = url.replace(HUB_DATABASE, dir.resolve("connectify").toString());
                    TestPropertyValues.of("spring.datasource.url=" + here).applyTo(context);
                });
    }

    private static void writeMany(JdbcClient jdbc, String processor, int commits) {
        for (int i = 0; i < commits; i++) {
            insert(jdbc, processor, "stripe:evt_" + i);
        }
    }

    private static long count(JdbcClient jdbc, String processor) {
        return jdbc.sql("SELECT COUNT(*) FROM CAMEL_MESSAGEPROCESSED WHERE processorName = ?")
                .param(processor).query(Long.class).single();
    }

    private static List<String> messageIds(JdbcClient jdbc) {
        return jdbc.sql("SELECT messageId FROM CAMEL_MESSAGEPROCESSED").query(String.class).list();
    }

    private static void insert(JdbcClient jdbc, String messageId) {
        insert(jdbc, "webhook-events", messageId);
    }

    /** One processed-event key, committed on its own, as the queue consumer commits them. */
    private static void insert(JdbcClient jdbc, String processor, String messageId) {
        jdbc.sql("INSERT INTO CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) VALUES (?, ?, ?)")
                .params(processor, messageId, new Timestamp(System.currentTimeMillis()))
                .update();
    }
}
