package io.connectify.hub.resilience;

import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;

/**
 * Whether a failure is a lock another transaction held past the database's lock timeout
 * ({@code connectify.database.lock-timeout}): a state that passes, so the answer is 409 "ask again" with Retry-After,
 * never a 500, and a queued message is tried again. Spring 6's default translation knows neither database's lock
 * timeout as such: H2 2.3's (a SQLTimeoutException) becomes a QueryTimeoutException, PostgreSQL's (SQLState 55P03)
 * an UncategorizedSQLException; other databases' are a PessimisticLockingFailureException.
 */
public final class DatabaseBusy {

    private DatabaseBusy() {
    }

    /** H2's "Timeout trying to lock table" (LOCK_TIMEOUT_1). */
    private static final int H2_LOCK_TIMEOUT = 50200;
    /** PostgreSQL's lock_not_available: lock_timeout ran out (or a NOWAIT found the row held). */
    private static final String POSTGRES_LOCK_NOT_AVAILABLE = "55P03";

    public static boolean is(Throwable t) {
        if (Causes.find(t, PessimisticLockingFailureException.class) != null) {
            return true;
        }
        SQLException sql = Causes.find(t, SQLException.class);
        if (sql == null) {
            return false;
        }
        // only a lock's timeout: a statement's (PostgreSQL's statement_timeout on a slow query) is no lock held
        return POSTGRES_LOCK_NOT_AVAILABLE.equals(sql.getSQLState())
                || Causes.find(t, QueryTimeoutException.class) != null && sql.getErrorCode() == H2_LOCK_TIMEOUT;
    }

    /**
     * A sweep's step on one row: the work's answer (never null), or empty where the row is held by another transaction
     * past the lock timeout, after {@code passedOver} (which logs it): the sweep passes it over for its next run, where
     * failing there stopped the sweep and everything after the row waited. Any other failure is thrown.
     */
    public static <T> Optional<T> unlessHeld(Supplier<T> work, Runnable passedOver) {
        try {
            return Optional.of(work.get());
        } catch (RuntimeException e) {
            if (!is(e)) {
                throw e;
            }
            passedOver.run();
            return Optional.empty();
        }
    }
}
