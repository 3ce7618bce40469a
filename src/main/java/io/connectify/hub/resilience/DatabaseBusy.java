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

    public static boolean is(Throwable t) {
        return Causes.find(t, PessimisticLockingFailureException.class) != null
                || Causes.find(t, QueryTimeoutException.class) != null;
    }
}
