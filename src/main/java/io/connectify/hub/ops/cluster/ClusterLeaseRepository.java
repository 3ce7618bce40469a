package io.connectify.hub.ops.cluster;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.connectify.hub.resilience.DatabaseBusy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.NonTransientDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.TransactionTimedOutException;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

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
 * for it.
 * <p>
 * The lease's time is the database's: DefaultLockRepository writes CREATED_DATE from the member's own clock and
 * another member takes the lease once its own clock says the TTL has passed, so a member whose clock ran ahead by
 * more than the margin took a live lease (two leaders). Here acquire, renew, isAcquired and deleteExpired run the
 * same statements as Spring Integration's, in the same transactions, with the database's current time (UTC, as the
 * TIMESTAMP column holds it) in place of the member's: one clock for all members. It is the transaction's start on
 * both databases, taken after the acquire or renew began, so CREATED_DATE is never earlier than {@code heldSince}
 * and the lease lasts, by the database, at least as long as this member counts. delete and close name no time and
 * stay Spring Integration's.
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
 * The lease names its holder by member id, which two instances configured alike share: while another live instance
 * holds this member id ({@link MemberClaim}) the lease is neither taken nor renewed (so this instance does not lead,
 * or stops leading), nor released (its row is the other instance's). Before, both took it for their own and led.
 * <p>
 * DefaultLockRepository makes its JdbcTemplate itself and does not expose it, so no exception translator can be
 * given to the template: the translation wraps the operations JdbcLock makes instead.
 */
class ClusterLeaseRepository extends DefaultLockRepository {

    private static final Logger log = LoggerFactory.getLogger(ClusterLeaseRepository.class);

    /**
     * The database's current time in UTC as a TIMESTAMP (without time zone), in SQL both PostgreSQL and H2 read
     * alike: the epoch seconds of CURRENT_TIMESTAMP (a TIMESTAMP WITH TIME ZONE) added to the epoch. (H2 casts a
     * TIMESTAMP WITH TIME ZONE to its session's zone, not UTC, so the cast is not used.)
     */
    static final String DATABASE_NOW =
            "(TIMESTAMP '1970-01-01 00:00:00' + EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * INTERVAL '1' SECOND)";
    /** The database's current time less the TTL, bound in milliseconds: a lease written before it has run out. */
    static final String EXPIRED_BEFORE =
            "(" + DATABASE_NOW + " - CAST(? AS BIGINT) * INTERVAL '0.001' SECOND)"; // H2 needs the parameter's type

    private final Duration margin;
    private volatile Duration timeToLive = DEFAULT_TTL;
    /** By lock: System.nanoTime() as this member's last successful acquire or renew of it began. */
    private final Map<String, Long> heldSince = new ConcurrentHashMap<>();
    private final String memberId;
    /** Whether this instance holds its member id ({@link MemberClaim#ours}). */
    private final BooleanSupplier memberIdHeld;
    private final JdbcTemplate jdbc;
    /** Spring Integration's three: a new transaction each, read committed for acquire, read-only for the count. */
    private final TransactionTemplate inNewTransaction;
    private final TransactionTemplate readCommitted;
    private final TransactionTemplate readOnly;
    private volatile String table = DEFAULT_TABLE_PREFIX + "LOCK";
    private volatile String region = "DEFAULT";

    ClusterLeaseRepository(DataSource dataSource, PlatformTransactionManager transactions, String memberId,
                           BooleanSupplier memberIdHeld, Duration margin) {
        super(dataSource, memberId);
        setTransactionManager(transactions); // for delete and close, which stay Spring Integration's
        this.memberId = memberId;
        this.memberIdHeld = memberIdHeld;
        this.margin = margin;
        this.jdbc = new JdbcTemplate(dataSource);
        DefaultTransactionDefinition definition =
                new DefaultTransactionDefinition(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.inNewTransaction = new TransactionTemplate(transactions, definition);
        definition.setReadOnly(true);
        this.readOnly = new TransactionTemplate(transactions, definition);
        definition.setReadOnly(false);
        definition.setIsolationLevel(TransactionDefinition.ISOLATION_READ_COMMITTED);
        this.readCommitted = new TransactionTemplate(transactions, definition);
    }

    @Override
    public void setPrefix(String prefix) {
        super.setPrefix(prefix);
        this.table = prefix + "LOCK";
    }

    @Override
    public void setRegion(String region) {
        super.setRegion(region);
        this.region = region;
    }

    @Override
    public void setTimeToLive(int timeToLive) {
        super.setTimeToLive(timeToLive);
        this.timeToLive = Duration.ofMillis(timeToLive);
    }

    @Override
    public boolean acquire(String lock) {
        return written(lock, () -> memberIdHeld.getAsBoolean() && Boolean.TRUE.equals(readCommitted.execute(status -> {
            if (jdbc.update("UPDATE " + table + " SET CLIENT_ID=?, CREATED_DATE=" + DATABASE_NOW
                            + " WHERE REGION=? AND LOCK_KEY=? AND (CLIENT_ID=? OR CREATED_DATE<" + EXPIRED_BEFORE + ")",
                    memberId, region, lock, memberId, timeToLive.toMillis()) > 0) {
                return true;
            }
            try {
                return jdbc.update("INSERT INTO " + table + " (REGION, LOCK_KEY, CLIENT_ID, CREATED_DATE)"
                        + " VALUES (?, ?, ?, " + DATABASE_NOW + ")", region, lock, memberId) > 0;
            } catch (DataIntegrityViolationException another) { // another member's row, still live
                return false;
            }
        })));
    }

    @Override
    public boolean renew(String lock) {
        return written(lock, () -> memberIdHeld.getAsBoolean() && Boolean.TRUE.equals(inNewTransaction.execute(
                status -> jdbc.update(
                "UPDATE " + table + " SET CREATED_DATE=" + DATABASE_NOW
                        + " WHERE REGION=? AND LOCK_KEY=? AND CLIENT_ID=?", region, lock, memberId) == 1)));
    }

    @Override
    public boolean isAcquired(String lock) {
        return Boolean.TRUE.equals(readOnly.execute(status -> Integer.valueOf(1).equals(jdbc.queryForObject(
                "SELECT COUNT(REGION) FROM " + table + " WHERE REGION=? AND LOCK_KEY=? AND CLIENT_ID=?"
                        + " AND CREATED_DATE>=" + EXPIRED_BEFORE,
                Integer.class, region, lock, memberId, timeToLive.toMillis()))));
    }

    @Override
    public void deleteExpired() {
        inNewTransaction.executeWithoutResult(status -> jdbc.update(
                "DELETE FROM " + table + " WHERE REGION=? AND CREATED_DATE<" + EXPIRED_BEFORE, region,
                timeToLive.toMillis()));
    }

    @Override
    public boolean delete(String lock) {
        Duration left = leaseLeft(lock);
        if (!memberIdHeld.getAsBoolean()) {
            throw givenUp(lock, left, "not released: another live instance holds this member id, the row is its", null);
        }
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

    /**
     * Whether this member holds the lease with more than the give-up margin of it left, by its own count from the start
     * of its last successful acquire or renew: no statement ({@link SingletonLease}, between a sweep's items). False
     * once a renewal found another member's row, once the lease was given up, and once a renewal is late enough (the
     * database slow, the instance paused) that the lease could run out before a held row would let it know.
     */
    boolean heldBeyondMargin(String lock) {
        return leaseLeft(lock).compareTo(margin) > 0;
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
