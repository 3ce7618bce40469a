package io.connectify.hub.ops;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

import javax.sql.DataSource;

import io.connectify.hub.booking.BookingRepository;
import io.connectify.hub.booking.BookingSaga;
import io.connectify.hub.booking.BookingStatus;
import io.connectify.hub.payment.payrexx.PayrexxConfig;
import io.connectify.hub.payment.payrexx.PayrexxRefundWatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;

/**
 * The counts behind the gauges over the database (bookings by status, refunds waiting, bookings needing a person,
 * dead letters waiting), as the last refresh found them. A thread of its own counts them again every
 * {@code connectify.metrics.database-gauges.refresh-interval}; a gauge only reads the last counts, and shows NaN before
 * the first refresh and once the last one is {@link #STALE_AFTER_REFRESHES} intervals old (the database has not
 * answered for that long, so nobody can say). A refresh that fails keeps the last counts until then; it is logged
 * once per outage, not once per refresh.
 * <p>
 * Why: counted by the scrape itself, each of the gauges' queries waited for a connection (HikariCP's 30 s) while
 * the database was unreachable, so one scrape took minutes and held a request thread as long; Prometheus gave up on
 * it after 10 s and lost every series of the hub (breakers, queue depths, webhooks) for the outage, just when they
 * were needed. {@link BrokerQueueDepth} keeps the broker's gauges off the scrape in the same way.
 * <p>
 * A refresh is one read-only transaction of {@code query-timeout}: each statement gets what is left of it as its
 * query timeout, and the connection a network timeout of twice that, so that a connection cut mid-query (PostgreSQL's
 * driver reads its socket for ever by default, and the cancel a query timeout sends cannot reach a server cut off)
 * fails the refresh instead of stopping the refresher for good. Getting the connection may still take the pool's
 * connection timeout: on this thread only, the scrape does not wait for it.
 */
@Component
public class DatabaseGauges implements SmartLifecycle {

    /** Counts this many refresh intervals old (none since) are not shown. */
    static final int STALE_AFTER_REFRESHES = 4;

    private static final Logger log = LoggerFactory.getLogger(DatabaseGauges.class);

    private final JdbcClient jdbc;
    private final BookingRepository bookings;
    private final DataSource dataSource;
    private final PlatformTransactionManager transactions;
    private final DefaultTransactionDefinition reads;
    /** The dead letters' clock, the database's (DeadLetterClockConfig): each instance counts the same overdue. */
    private final Clock clock;
    private final Duration replayOverdueAfter;
    private final Duration interval;
    private final int networkTimeoutMillis;
    private final LongSupplier nanoTime;

    private final Object refreshing = new Object();
    private volatile Taken last;
    private boolean failing; // guarded by refreshing
    private volatile ScheduledExecutorService refresher;

    @Autowired
    public DatabaseGauges(JdbcClient jdbc, BookingRepository bookings, DataSource dataSource,
                          PlatformTransactionManager transactions, @Qualifier(DeadLetterClockConfig.NAME) Clock clock,
                          DeadLetterProperties deadLetters, DatabaseGaugeProperties properties) {
        this(jdbc, bookings, dataSource, transactions, clock, deadLetters, properties, System::nanoTime);
    }

    /** {@code nanoTime}: the monotonic time the counts' age is told by (a test's own). */
    DatabaseGauges(JdbcClient jdbc, BookingRepository bookings, DataSource dataSource,
                   PlatformTransactionManager transactions, Clock clock, DeadLetterProperties deadLetters,
                   DatabaseGaugeProperties properties, LongSupplier nanoTime) {
        this.jdbc = jdbc;
        this.bookings = bookings;
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.reads = new DefaultTransactionDefinition();
        reads.setReadOnly(true);
        reads.setTimeout(properties.queryTimeoutSeconds());
        this.clock = clock;
        this.replayOverdueAfter = deadLetters.autoReplay().overdueAfter();
        this.interval = properties.refreshInterval();
        this.networkTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, 2_000L * properties.queryTimeoutSeconds());
        this.nanoTime = nanoTime;
    }

    /** What the last refresh counted. */
    public record Counts(Map<BookingStatus, Integer> bookings, int refundPending,
                         BookingRepository.Awaiting awaitingRefund, int needingAttention,
                         int deadLettersForAutomaticReplay, int deadLettersForOperator, int deadLettersReplayOverdue) {
    }

    private record Taken(Counts counts, long atNanos) {
    }

    /** A gauge's value from the last counts; NaN before the first refresh and once they are stale. */
    public double read(ToDoubleFunction<Counts> gauge) {
        Taken taken = last;
        if (taken == null || nanoTime.getAsLong() - taken.atNanos() > STALE_AFTER_REFRESHES * interval.toNanos()) {
            return Double.NaN; // the database health indicator says why
        }
        return gauge.applyAsDouble(taken.counts());
    }

    /**
     * Counts again now (the refresher's thread does every interval; a test after a change it reads), one refresh at a
     * time: a refresh begun before a change cannot store its counts after those of one begun after it.
     *
     * @throws RuntimeException the database's failure; the last counts are kept
     */
    public void refresh() {
        synchronized (refreshing) {
            try {
                Counts counts = countInTransaction();
                last = new Taken(counts, nanoTime.getAsLong());
                if (failing) {
                    failing = false;
                    log.info("The database gauges are counted again");
                }
            } catch (RuntimeException failed) {
                if (!failing) {
                    failing = true;
                    log.warn("The database gauges could not be counted ({}): they show their last counts, and NaN "
                            + "once those are {} ms old; tried again every {} ms, logged again once counted",
                            why(failed), interval.multipliedBy(STALE_AFTER_REFRESHES).toMillis(), interval.toMillis());
                }
                throw failed;
            }
        }
    }

    /** The failure and its first cause: Spring's exceptions name the cause in their message no more. */
    private static String why(RuntimeException failed) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(failed);
        return cause == failed ? failed.toString() : failed + "; " + cause;
    }

    /**
     * One read-only transaction of the query timeout. A failed one's rollback that fails too (its connection cut) is
     * not logged apart (TransactionTemplate logs it as an ERROR, each time, and throws it instead of the failure).
     */
    private Counts countInTransaction() {
        TransactionStatus transaction = transactions.getTransaction(reads);
        Counts counts;
        try {
            counts = count();
        } catch (RuntimeException | Error failed) {
            try {
                transactions.rollback(transaction);
            } catch (RuntimeException rollbackFailed) {
                failed.addSuppressed(rollbackFailed); // nothing to undo: it only read
            }
            throw failed;
        }
        transactions.commit(transaction);
        return counts;
    }

    /** The counts, in the refresh's transaction: its connection bound as the class comment says. */
    private Counts count() {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            connection.setNetworkTimeout(Runnable::run, networkTimeoutMillis);
        } catch (SQLFeatureNotSupportedException noNetwork) {
            // a driver without one (the embedded H2 has no network, and ignores it)
        } catch (SQLException broken) {
            DataSourceUtils.releaseConnection(connection, dataSource);
            throw new CannotGetJdbcConnectionException("the database gauges' connection", broken);
        }
        try {
            return counts();
        } finally {
            noQueryTimeoutLeft(connection);
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * H2 keeps a statement's query timeout as its session's ({@code SET QUERY_TIMEOUT}), so the next user of the pooled
     * connection (a sweep, a request) would get this refresh's timeout: set back to none (the pool undoes the network
     * timeout itself). Elsewhere a statement's own setting, which costs nothing.
     */
    private static void noQueryTimeoutLeft(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(0);
        } catch (SQLException broken) {
            // a connection broken by the refresh's failure: the pool drops it
        }
    }

    private Counts counts() {
        Map<BookingStatus, Integer> byStatus = new EnumMap<>(BookingStatus.class);
        for (BookingStatus status : BookingStatus.values()) {
            byStatus.put(status, 0);
        }
        // one query for every status, where one per status ran (a status no row has counts 0)
        jdbc.sql("SELECT status, COUNT(*) AS n FROM booking GROUP BY status").query(rs -> {
            String status = rs.getString("status");
            for (BookingStatus known : BookingStatus.values()) {
                if (known.name().equals(status)) {
                    byStatus.put(known, rs.getInt("n"));
                }
            }
        });
        int refundPending = bookings.countPendingRefunds(BookingSaga.REFUND_PENDING);
        BookingRepository.Awaiting awaiting = bookings.countAwaitingProviderRefund(PayrexxConfig.PROVIDER,
                PayrexxRefundWatch.reason());
        int needingAttention = bookings.countNeedingAttention();
        // those of a passing failure are replayed on their own (retry_at); the others wait for an operator; an
        // automatic replay due longer than overdue-after does not come (no instance leads, or the sweep fails)
        return jdbc.sql("SELECT COUNT(retry_at) AS automatic, COUNT(*) - COUNT(retry_at) AS operator, "
                        + "COUNT(CASE WHEN retry_at < :overdue THEN 1 END) AS overdue "
                        + "FROM dead_letter WHERE status = 'STORED'")
                .param("overdue", clock.instant().minus(replayOverdueAfter).atOffset(ZoneOffset.UTC))
                .query((rs, row) -> new Counts(Collections.unmodifiableMap(byStatus), refundPending, awaiting,
                        needingAttention, rs.getInt("automatic"), rs.getInt("operator"), rs.getInt("overdue")))
                .single();
    }

    @Override
    public void start() {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "database-gauges");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException logged) {
                // logged once per outage by refresh(); a task that throws would not be run again
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        refresher = thread;
    }

    /** A refresh under way is not interrupted (the embedded database's file must not see an interrupt). */
    @Override
    public void stop() {
        ScheduledExecutorService thread = refresher;
        refresher = null;
        if (thread != null) {
            thread.shutdown();
        }
    }

    @Override
    public boolean isRunning() {
        return refresher != null;
    }
}
