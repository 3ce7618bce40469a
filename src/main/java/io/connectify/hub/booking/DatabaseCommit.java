package io.connectify.hub.booking;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Whether the database committed the transaction it watches, whatever was thrown afterwards. The messages a transaction
 * queues (a booking's notices) go on the broker session synchronized with it, which Spring commits after the database,
 * in the transaction's afterCommit: a broker commit that fails then (SynchedLocalTransactionFailedException, "Local
 * JMS transaction failed to commit", a broken pooled session's AMQ219030 say) is thrown by a transaction whose change
 * the database has made, its notices logged as queued with it for the notification recovery sweep to queue again.
 * Told apart by the transaction's completion status, which Spring reports as committed once the database's commit
 * went through, whatever its afterCommit callbacks then throw. One instance per transaction.
 */
final class DatabaseCommit implements TransactionSynchronization {

    private boolean committed;

    /** Watches the transaction the caller runs in: call inside it, once. */
    void watch() {
        TransactionSynchronizationManager.registerSynchronization(this);
    }

    @Override
    public void afterCompletion(int status) {
        committed = status == STATUS_COMMITTED;
    }

    /**
     * Whether the transaction watched has committed in the database: false while it runs (joined to an outer one that
     * has not ended yet), once it has rolled back, or when it failed before {@link #watch} was reached.
     */
    boolean committed() {
        return committed;
    }
}
