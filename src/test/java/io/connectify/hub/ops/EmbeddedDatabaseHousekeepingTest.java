package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2 as the hub runs it (file through retry:, WRITE_DELAY=0): without housekeeping the file keeps growing, with it
 * it does not.
 */
class EmbeddedDatabaseHousekeepingTest {

    @TempDir
    Path dir;

    @Test
    void keepsTheFileFromGrowingWithEveryCommit() throws Exception {
        long without = fileAfterCommits("without", false);
        long with = fileAfterCommits("with", true);

        // measured: 25.1 MB against 2.2 MB; half is a wide margin either way
        assertThat(with).isLessThan(without / 2);
    }

    @Test
    void doesNothingOnADatabaseWithoutAFile() {
        JdbcDataSource memory = new JdbcDataSource();
        memory.setURL("jdbc:h2:mem:housekeeping");

        assertThatCode(() -> new EmbeddedDatabaseHousekeeping(memory, 80).compact()).doesNotThrowAnyException();
    }

    /**
     * Commits one processed-event key at a time, as the queue consumer does. RETENTION_TIME=0 lets H2 reuse a chunk
     * at once (the hub keeps H2's 45 s), so the test need not wait for chunks to age.
     */
    private long fileAfterCommits(String name, boolean housekeeping) throws Exception {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:file:retry:" + dir.resolve(name) + ";WRITE_DELAY=0;RETENTION_TIME=0");
        var compaction = new EmbeddedDatabaseHousekeeping(dataSource, 80);
        Flyway.configure().dataSource(dataSource).load().migrate(); // the hub's schema
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO CAMEL_MESSAGEPROCESSED (processorName, messageId, createdAt) VALUES (?, ?, ?)");
            for (int i = 0; i < 10_000; i++) {
                insert.setString(1, "webhook-events");
                insert.setString(2, "stripe:evt_" + i);
                insert.setTimestamp(3, new Timestamp(System.currentTimeMillis()));
                insert.executeUpdate();
                c.commit();
                if (housekeeping && i % 200 == 199) {
                    compaction.compact();
                }
            }
            return Files.size(dir.resolve(name + ".mv.db"));
        }
    }
}
