package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.Booking;
import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.booking.Customer;
import io.connectify.hub.resilience.Causes;
import io.connectify.hub.resilience.DatabaseBusy;
import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * connectify.database.lock-timeout on the hub's pool as Spring Boot makes it (application.yaml's defaults, Flyway
 * migrating through it), on PostgreSQL and on H2: a transaction that wants the slot lock another one holds gives up
 * after about the timeout, with a failure the hub answers as 409 "ask again" and a queue consumer takes as passing;
 * the hold sweep passes over a booking held so and expires the others.
 */
class DatabaseLockTimeoutTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static ExecutorService threads;

    @BeforeAll
    static void start() {
        threads = Executors.newFixedThreadPool(2); // the holder and the waiter (the common pool may have one thread)
    }

    @AfterAll
    static void stop() {
        threads.shutdownNow();
    }

    @Test
    void onPostgresARowHeldPastTheDefaultTimeoutIsGivenUpAsBusyNotWaitedForForEver() {
        pool(postgres.jdbcUrl(), "spring.datasource.username=postgres").run(context -> {
            DataSource pool = context.getBean(DataSource.class);
            assertThat(JdbcClient.create(pool).sql("SHOW lock_timeout").query(String.class).single()).isEqualTo("2s");

            BookingRepository bookings = repository(context);
            Attempt attempt = whileHeld(slotLock(bookings), () -> takeTheSlotLock(bookings));

            assertThat(attempt.waited()).isBetween(Duration.ofMillis(1900), Duration.ofSeconds(5));
            // lock_not_available, which Spring 6's default translation leaves uncategorized (no
            // CannotAcquireLockException): DatabaseBusy and the dead-letter channel look for the SQL state
            assertThat(Causes.find(attempt.failure(), SQLException.class).getSQLState()).isEqualTo("55P03");
            assertHandledAsPassing(attempt.failure());
        });
    }

    @Test
    void onH2TheConfiguredTimeoutReplacesItsDefault() {
        pool("jdbc:h2:mem:lock-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "connectify.database.lock-timeout=300ms").run(context -> {
            BookingRepository bookings = repository(context);
            Attempt attempt = whileHeld(slotLock(bookings), () -> takeTheSlotLock(bookings));

            // H2's own default is 2 s
            assertThat(attempt.waited()).isBetween(Duration.ofMillis(250), Duration.ofMillis(1500));
            assertHandledAsPassing(attempt.failure());
        });
    }

    @Test
    void anInitSqlOfTheOperatorsStillRunsAfterTheLockTimeout() {
        pool("jdbc:h2:mem:init-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "connectify.database.lock-timeout=300ms",
                "spring.datasource.hikari.connection-init-sql=SET @OPERATOR = 7").run(context -> {
            JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));

            assertThat(jdbc.sql("SELECT LOCK_TIMEOUT()").query(Integer.class).single()).isEqualTo(300);
            assertThat(jdbc.sql("SELECT @OPERATOR").query(Integer.class).single()).isEqualTo(7);
        });
    }

    @Test
    void theHoldSweepPassesOverABookingWhoseRowIsHeldAndExpiresTheOthers() {
        pool(postgres.jdbcUrl(), "spring.datasource.username=postgres",
                "connectify.database.lock-timeout=300ms").run(context -> {
            BookingRepository bookings = repository(context);
            Instant now = Instant.parse("2026-11-30T07:00:00Z");
            Booking held = pending(bookings, "2026-12-10T08:00:00Z", now);
            Booking free = pending(bookings, "2026-12-10T10:00:00Z", now);
            Instant later = now.plus(Duration.ofMinutes(16)); // both holds ran out

            // a saga step holds one booking's row while the sweep runs
            List<Booking> swept = whileHeld(work -> bookings.withBookingLock(held.id(), work),
                    () -> bookings.expireHolds(later));

            assertThat(swept).extracting(Booking::id).as("expired, so its payment page is closed")
                    .containsExactly(free.id());
            assertThat(bookings.expireHolds(later)).extracting(Booking::id).as("the next sweep")
                    .containsExactly(held.id());
        });
    }

    @Test
    void flywayOnAConnectionOfItsOwnGivesUpATableHeldPastTheTimeoutAndTheStartFailsRatherThanWaitForEver()
            throws Exception {
        String url = postgres.jdbcUrl();
        pool(url, "spring.datasource.username=postgres").run(context -> assertThat(context).hasNotFailed()); // migrated
        // Flyway by its own URL and user (a migration role, say), outside the hub's pool
        ApplicationContextRunner ownConnection = pool(url, "spring.datasource.username=postgres",
                "connectify.database.lock-timeout=300ms", "spring.flyway.url=" + url, "spring.flyway.user=postgres");

        CompletableFuture<Throwable> start;
        try (Connection holder = postgres.dataSource().getConnection()) {
            holder.setAutoCommit(false);
            try {
                // an older instance's transaction on the table, or a DBA's
                holder.createStatement().execute("LOCK TABLE flyway_schema_history IN ACCESS EXCLUSIVE MODE");
                start = CompletableFuture.supplyAsync(() -> {
                    AtomicReference<Throwable> failure = new AtomicReference<>();
                    ownConnection.run(context -> failure.set(context.getStartupFailure()));
                    return failure.get();
                }, threads);
                // without the lock timeout on its connection PostgreSQL lets Flyway wait until the holder lets go
                assertThat(start).as("gave up waiting for the table").succeedsWithin(Duration.ofSeconds(10));
            } finally {
                holder.rollback();
            }
        }

        Throwable failure = start.get();
        assertThat(failure).as("the start failed").isNotNull();
        assertThat(Causes.find(failure, SQLException.class).getSQLState()).isEqualTo("55P03");
    }

    /** What the hub answers such a failure on the API, and how its dead-letter channel sorts it. */
    private static void assertHandledAsPassing(Throwable failure) {
        assertThat(DatabaseBusy.is(failure)).as("DatabaseBusy.is(%s)", failure).isTrue();
        Problem problem = new ProblemResponder(new ObjectMapper()).toProblem(failure, "/api/v1/bookings");
        assertThat(problem.status()).isEqualTo(409);
        assertThat(problem.type()).isEqualTo("invalid-state");
        assertThat(problem.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(DeadLetterStore.passing(failure)).as("a passing failure, replayed on its own").isTrue();
    }

    private record Attempt(Throwable failure, Duration waited) {
    }

    /** What {@code attempt} answers while another transaction holds a row with {@code hold}. */
    private static <T> T whileHeld(Consumer<Runnable> hold, Supplier<T> attempt) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> hold.accept(() -> {
            locked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), threads);
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
        try {
            CompletableFuture<T> waiter = CompletableFuture.supplyAsync(attempt, threads);
            // without a lock timeout PostgreSQL waits until the holder lets go
            assertThat(waiter).as("gave up waiting for the held row").succeedsWithin(Duration.ofSeconds(10));
            return waiter.get();
        } finally {
            release.countDown();
            holder.get(10, TimeUnit.SECONDS);
        }
    }

    private static Consumer<Runnable> slotLock(BookingRepository bookings) {
        return work -> bookings.withSlotLock(() -> {
            work.run();
            return null;
        });
    }

    private static Attempt takeTheSlotLock(BookingRepository bookings) {
        long start = System.nanoTime();
        try {
            bookings.withSlotLock(() -> null);
            return new Attempt(null, Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException e) {
            return new Attempt(e, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** A pending booking of an hour, its hold running out 15 minutes after {@code now}. */
    private static Booking pending(BookingRepository bookings, String startUtc, Instant now) {
        var zurich = ZoneId.of("Europe/Zurich");
        Instant start = Instant.parse(startUtc);
        Booking booking = new Booking(UUID.randomUUID().toString(), BookingStatus.PENDING_PAYMENT,
                start.atZone(zurich).toOffsetDateTime(), start.plusSeconds(3600).atZone(zurich).toOffsetDateTime(),
                60, 9000, "CHF", new Customer("John Doe", "john@example.com", null, "de", "Europe/Zurich"),
                "Consultation", null, null, null, null, now.plusSeconds(900), now, null, null, null);
        bookings.insert(booking, now);
        return booking;
    }

    private static BookingRepository repository(org.springframework.context.ApplicationContext context) {
        return new BookingRepository(JdbcClient.create(context.getBean(DataSource.class)),
                new TransactionTemplate(context.getBean(PlatformTransactionManager.class)),
                new AvailabilityProperties(ZoneId.of("Europe/Zurich"), Map.of(), null, null, null, null));
    }

    private static ApplicationContextRunner pool(String url, String... properties) {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yaml, as at start
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class, FlywayAutoConfiguration.class))
                .withUserConfiguration(LockTimeoutOnly.class)
                .withPropertyValues("spring.datasource.url=" + url)
                .withPropertyValues(properties);
    }

    @EnableConfigurationProperties(DatabaseProperties.class)
    @Import({DatabaseLockTimeout.class, FlywayLockTimeout.class})
    static class LockTimeoutOnly {
    }
}
