package io.connectify.hub.ops;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The embedded H2 database's housekeeping, which H2 does not do itself in the way the hub runs it: with
 * {@code WRITE_DELAY=0} (every commit on disk at once) H2 starts no background writer, and that thread is also the
 * one that rewrites half-empty chunks. Without it the file keeps every chunk that still holds one live page: it
 * kept growing, by about 4.6 KB per commit, and each commit got dearer (bench/RESULTS.md). This calls H2's own
 * compaction ({@link MVStore#compact}) on the route ops-database-housekeeping's timer. Does nothing on any other
 * database (PostgreSQL in the scale-out profile keeps its own house).
 */
@Component("embeddedDatabaseHousekeeping")
public class EmbeddedDatabaseHousekeeping {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseHousekeeping.class);
    /** Bytes of live pages moved per run at most, so one run never holds up the commits for long. */
    private static final int WRITE_LIMIT = 1024 * 1024;

    private final DataSource dataSource;
    private final int targetFillRate;
    private volatile boolean notH2;

    public EmbeddedDatabaseHousekeeping(DataSource dataSource,
                                        @Value("${connectify.database.compact-fill-rate}") int targetFillRate) {
        this.dataSource = dataSource;
        this.targetFillRate = targetFillRate;
    }

    /** Rewrites chunks filled less than the target rate; the space of the old ones is reused once H2 frees them. */
    public void compact() throws SQLException {
        if (notH2) {
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            if (!connection.isWrapperFor(JdbcConnection.class)
                    || !(connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)) {
                notH2 = true; // another database, or H2 over TCP: its server's business
                return;
            }
            MVStore store = session.getDatabase().getStore().getMvStore();
            if (store.getFileStore() != null && store.compact(targetFillRate, WRITE_LIMIT)) {
                log.debug("Embedded database: chunks below {}% live rewritten", targetFillRate);
            }
        }
    }
}
