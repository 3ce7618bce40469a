package io.connectify.hub.ops.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.connectify.hub.resilience.DatabaseBusy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.NonTransientDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.TransactionTimedOutException;

/**
 * Spring Integration's lease table, where a lease's row held by another transaction past
 * {@code connectify.database.lock-timeout} is waited for only while the lease this member holds lasts.
 * <p>
 * What this relies on, read in Spring Integration 6.5.5: LockRegistryLeaderInitiator renews the leader's lease by
 * {@code tryLock(heartbeat)} on its JdbcLock every heartbeat, which calls {@link #acquire} (not {@link #renew}).
 * JdbcLock's tryLock, unlock and renew try a {@link TransientDataAccessException}, TransactionTimedOutException or
 * TransactionSystemException again at once, in a loop that heeds neither tryLock's time nor the thread's interrupt;
 * any other failure leaves tryLock as a CannotAcquireLockException, unlock as a DataAccessResourceFailureException.
 * The initiator takes either for a lost lease: it calls unlock (so {@link #delete}), then revokes the leadership
 * (Camel stops the singleton routes) whether unlock failed or not. A follower whose attempt fails tries again after
 * the initiator's busy-wait, and sees a stop in between; the initiator's stop interrupts its thread and does not wait
 * for it. DefaultLockRepository writes the lease's CREATED_DATE from this member's clock as it makes the statement,
 * before any wait for the row; another member takes the lease once the row is free and its clock TTL past that.
 * <p>
 * So a failure JdbcLock would try again, and PostgreSQL's lock timeout (55P03, which Spring 6 leaves uncategorized),
 * is reported as transient only while more than {@code margin} is left of the lease this member holds, counted from
 * the start of its last successful acquire or renew. After that, and for a member holding no lease (a follower, a
 * leader that gave up), it is a non-transient {@link LeaseUnavailable}. The leader gives up its leadership before
 * another member can take the lease (waiting on, it led until the row was free, while a follower could take the
 * expired lease: two leaders); a follower asks again after the busy-wait instead of waiting inside one tryLock for
 * as long as the row is held, so it can be stopped. The margin covers the retry JdbcLock makes at once (up to a lock
 * timeout) and leaves time for the revocation.
 * <p>
 * A lease with no more than the margin left is not released: {@link #delete} gives it up without the database, as
 * its row may be held too and the revocation after the release must come first; the row expires with the TTL. So a
 * release at a stop waits for a held row no longer than the lease lasts.
 * <p>
 * DefaultLockRepository makes its JdbcTemplate itself and does not expose it, so no exception translator can be
 * given to the template: the translation wraps the operations JdbcLock makes instead.
 */
class ClusterLeaseRepository extends DefaultLockRepository {

    private static final Logger log = LoggerFactory.getLogger(ClusterLeaseRepository.class);

    private final Duration margin;
    private volatile Duration timeToLive = DEFAULT_TTL;
    /** By lock: System.nanoTime() as this member's last successful acquire or renew of it began. */
    private final Map<String, Long> heldSince = new ConcurrentHashMap<>();

    ClusterLeaseRepository(DataSource dataSource, String memberId, Duration margin) {
        super(dataSource, memberId);
        this.margin = margin;
    }

    @Override
    public void setTimeToLive(int timeToLive) {
        super.setTimeToLive(timeToLive);
        this.timeToLive = Duration.ofMillis(timeToLive);
    }

    @Override
    public boolean acquire(String lock) {
        return written(lock, () -> super.acquire(lock));
    }

    @Override
    public boolean renew(String lock) {
        return written(lock, () -> super.renew(lock));
    }

    @Override
    public boolean delete(String lock) {
        Duration left = leaseLeft(lock);
        if (left.compareTo(margin) <= 0) {
            throw givenUp(lock, left, "not released: its row may be held too, and it runs out anyway", null);
        }
        try {
            boolean deleted = super.delete(lock);
            heldSince.remove(lock);
            return deleted;
        } catch (RuntimeException e) {
            throw reported(lock, e);
        }
    }

    private boolean written(String lock, Supplier<Boolean> operation) {
        long start = System.nanoTime(); // not later than the CREATED_DATE written
        boolean held;
        try {
            held = operation.get();
        } catch (RuntimeException e) {
            throw reported(lock, e);
        }
        if (held) {
            heldSince.put(lock, start);
        } else {
            heldSince.remove(lock); // another member's
        }
        return held;
    }

    private RuntimeException reported(String lock, RuntimeException failure) {
        boolean busy = DatabaseBusy.is(failure);
        if (!busy && !retriedByJdbcLock(failure)) {
            return failure; // ends the leadership as it is
        }
        Duration left = leaseLeft(lock);
        if (left.compareTo(margin) > 0) {
            return retriedByJdbcLock(failure) ? failure // H2's lock timeout is transient already
                    : new CannotAcquireLockException("The lease's row is held by another transaction", failure);
        }
        return givenUp(lock, left, busy ? "its row held by another transaction past the lock timeout"
                : failure.toString(), failure);
    }

    private LeaseUnavailable givenUp(String lock, Duration left, String why, RuntimeException failure) {
        if (heldSince.remove(lock) != null) {
            log.warn("Cluster lease {} given up with {} ms of it left ({}): this member no longer leads, before "
                    + "another can take the lease", lock, left.toMillis(), why);
        }
        return new LeaseUnavailable("Lease " + lock + " given up, " + left.toMillis() + " ms of this member's left: "
                + why, failure);
    }

    /** What JdbcLock tries again at once, for ever. */
    private static boolean retriedByJdbcLock(RuntimeException failure) {
        return failure instanceof TransientDataAccessException || failure instanceof TransactionTimedOutException
                || failure instanceof TransactionSystemException;
    }

    /** Zero for a lease this member does not hold. */
    private Duration leaseLeft(String lock) {
        Long since = heldSince.get(lock);
        return since == null ? Duration.ZERO : timeToLive.minusNanos(System.nanoTime() - since);
    }

    /** Not transient: JdbcLock passes it on, and LockRegistryLeaderInitiator revokes the leadership. */
    static final class LeaseUnavailable extends NonTransientDataAccessException {
        LeaseUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
