package io.connectify.hub.resilience;

import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.dao.QueryTimeoutException;

/**
 * Whether a failure is a lock another transaction held past the database's lock timeout: a state that passes, so
 * the answer is 409 "ask again" with Retry-After, never a 500. Spring translates H2 2.3's lock timeout (a
 * SQLTimeoutException) to a QueryTimeoutException, and other databases' to a PessimisticLockingFailureException.
 */
public final class DatabaseBusy {

    private DatabaseBusy() {
    }

    /** H2's "Timeout trying to lock table" (LOCK_TIMEOUT_1). */
    private static final int H2_LOCK_TIMEOUT = 50200;

    public static boolean is(Throwable t) {
        if (Causes.find(t, PessimisticLockingFailureException.class) != null) {
            return true;
        }
        // only a lock's timeout: a statement's (PostgreSQL's statement_timeout on a slow query) is no lock held
        java.sql.SQLException sql = Causes.find(t, java.sql.SQLException.class);
        return Causes.find(t, QueryTimeoutException.class) != null && sql != null
                && sql.getErrorCode() == H2_LOCK_TIMEOUT;
    }
}
