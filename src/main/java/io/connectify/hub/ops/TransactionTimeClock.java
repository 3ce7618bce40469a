package io.connectify.hub.ops;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The database's clock ({@link DatabaseClock}) read once per database transaction: inside one, PostgreSQL and H2 give
 * {@code CURRENT_TIMESTAMP} as the transaction's start however often it is asked, so a second statement there would
 * only answer the first one's time again. Outside a transaction (each statement its own) every reading asks. Only a
 * JDBC transaction of the hub's DataSource counts, not the JMS consumers' (their message's handling spans slow
 * provider calls, after which the time is read again, as the database would give it).
 */
public final class TransactionTimeClock extends Clock {

    private final Clock database;
    private final DataSource dataSource;

    public TransactionTimeClock(Clock database, DataSource dataSource) {
        this.database = database;
        this.dataSource = dataSource;
    }

    @Override
    public Instant instant() {
        if (!inTransaction()) {
            return database.instant();
        }
        Instant read = (Instant) TransactionSynchronizationManager.getResource(this);
        if (read == null) {
            read = database.instant();
            TransactionSynchronizationManager.bindResource(this, read);
            TransactionSynchronizationManager.registerSynchronization(new Reading(read));
        }
        return read;
    }

    /**
     * A transaction of the DataSource's (DataSourceTransactionManager: TransactionTemplate) on this thread: its
     * connection bound to the thread, out of auto-commit. A connection a JMS consumer's transaction merely keeps bound
     * runs each statement in its own transaction (auto-commit), as does one with none bound.
     */
    private boolean inTransaction() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()
                || !(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder holder)
                || holder.getConnectionHandle() == null) {
            return false;
        }
        try {
            return !holder.getConnection().getAutoCommit();
        } catch (SQLException unknown) {
            return false; // read from the database, as outside a transaction
        }
    }

    @Override
    public ZoneId getZone() {
        return database.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return database.withZone(zone) == database ? this : new TransactionTimeClock(database.withZone(zone),
                dataSource);
    }

    /** The reading of one transaction: gone with it, set aside while another transaction (REQUIRES_NEW) runs. */
    private final class Reading implements TransactionSynchronization {

        private final Instant read;

        Reading(Instant read) {
            this.read = read;
        }

        @Override
        public void suspend() {
            TransactionSynchronizationManager.unbindResourceIfPossible(TransactionTimeClock.this);
        }

        @Override
        public void resume() {
            TransactionSynchronizationManager.bindResource(TransactionTimeClock.this, read);
        }

        @Override
        public void afterCompletion(int status) {
            TransactionSynchronizationManager.unbindResourceIfPossible(TransactionTimeClock.this);
        }
    }
}
