-- Leases of the leader election (Spring Integration's JdbcLockRegistry, table prefix CLUSTER_): the instance whose
-- row for a namespace is younger than the lease TTL runs that namespace's singleton routes.
CREATE TABLE CLUSTER_LOCK (
    LOCK_KEY     CHAR(36)     NOT NULL,
    REGION       VARCHAR(100) NOT NULL,
    CLIENT_ID    CHAR(36),
    CREATED_DATE TIMESTAMP    NOT NULL,
    CONSTRAINT CLUSTER_LOCK_PK PRIMARY KEY (LOCK_KEY, REGION)
);
