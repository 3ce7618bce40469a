package io.connectify.hub.ops.cluster;

import java.util.function.Supplier;

import javax.sql.DataSource;

import io.connectify.hub.resilience.DatabaseBusy;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;

/**
 * Spring Integration's lease table, with the lease's row held past {@code connectify.database.lock-timeout} reported
 * as the passing state it is: a {@link CannotAcquireLockException}, transient. JdbcLockRegistry tries a transient
 * failure again and takes any other for a lost lease; PostgreSQL's lock timeout (55P03), which Spring 6 leaves
 * uncategorized, made a leader whose renewal waited for the row give up its leadership (its singleton routes stopped)
 * and take it back once the row was free. Now the renewal waits, lock timeout after lock timeout, and the leader leads
 * on. DefaultLockRepository makes its JdbcTemplate itself and does not expose it, so no exception translator can be
 * given to the template: the translation wraps the repository's operations instead.
 */
class ClusterLeaseRepository extends DefaultLockRepository {

    ClusterLeaseRepository(DataSource dataSource, String memberId) {
        super(dataSource, memberId);
    }

    @Override
    public boolean acquire(String lock) {
        return heldAsTransient(() -> super.acquire(lock));
    }

    @Override
    public boolean renew(String lock) {
        return heldAsTransient(() -> super.renew(lock));
    }

    @Override
    public boolean delete(String lock) {
        return heldAsTransient(() -> super.delete(lock));
    }

    @Override
    public boolean isAcquired(String lock) {
        return heldAsTransient(() -> super.isAcquired(lock));
    }

    @Override
    public void deleteExpired() {
        heldAsTransient(() -> {
            super.deleteExpired();
            return null;
        });
    }

    private static <T> T heldAsTransient(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (RuntimeException e) {
            if (e instanceof TransientDataAccessException || !DatabaseBusy.is(e)) {
                throw e; // H2's lock timeout is transient already
            }
            throw new CannotAcquireLockException("The lease's row is held by another transaction", e);
        }
    }
}
