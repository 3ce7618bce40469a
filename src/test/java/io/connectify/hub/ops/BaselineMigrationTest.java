package io.connectify.hub.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The baseline migration (B24) builds on an empty database exactly the schema the V scripts build, on H2 (as the hub
 * opens it) and on PostgreSQL; a database that has history ignores it and keeps applying V scripts.
 */
class BaselineMigrationTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();

    @TempDir
    Path dir;

    /**
     * The versions the V scripts record (V21 and V22 do not exist). A new V script's version is added here
     * (and to PostgresMigrationTest's history list); B24 stays as it is.
     */
    private static final List<String> V_CHAIN = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
            "13", "14", "15", "16", "17", "18", "19", "20", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33",
            "34", "35", "36", "37", "38", "39", "40", "41", "42", "43");

    /** What a new database records: the baseline B24, then the V scripts after it. */
    private static final List<String> NEW_DATABASE = java.util.stream.Stream.concat(
            java.util.stream.Stream.of("24 SQL_BASELINE"),
            V_CHAIN.stream().filter(v -> Integer.parseInt(v) > 24).map(v -> v + " SQL")).toList();

    @Test
    void theBaselineBuildsTheSchemaOfTheVScriptsOnH2() throws SQLException {
        DataSource vChain = h2("v-chain");
        DataSource baseline = h2("baseline");

        assertTheBaselineEqualsTheVChain(vChain, baseline);
    }

    @Test
    void theBaselineBuildsTheSchemaOfTheVScriptsOnPostgres() throws SQLException {
        DataSource vChain = postgresDatabase("v_chain");
        DataSource baseline = postgresDatabase("baseline");

        assertTheBaselineEqualsTheVChain(vChain, baseline);
    }

    @Test
    void aDatabaseTheBaselineBuiltValidatesAndAnotherMigrateRunsNothingOnH2() throws SQLException {
        assertTheBaselineBuiltDatabaseIsUpToDate(h2("built"));
    }

    @Test
    void aDatabaseTheBaselineBuiltValidatesAndAnotherMigrateRunsNothingOnPostgres() throws SQLException {
        assertTheBaselineBuiltDatabaseIsUpToDate(postgresDatabase("built"));
    }

    /**
     * B24's checksum as Flyway computes it when B24 was written. Flyway (11.7.2) does not check a baseline script's
     * checksum when it validates (flyway/flyway#4106; seen here: a database B24 built still validated
     * with the checksum in its history changed), so an edit of B24 would go unseen by every database it built. This
     * pin fails on any edit instead: B24 stays as it is (a new schema change is a new V script).
     */
    private static final int B24_CHECKSUM = -1585933358;

    @Test
    void b24IsTheScriptItWasWhenItWasWritten() {
        var b24 = java.util.Arrays.stream(Flyway.configure().dataSource(h2("pin")).load().info().all())
                .filter(m -> "SQL_BASELINE".equals(m.getType().name())).toList();

        assertThat(b24).extracting(m -> m.getVersion().getVersion(), m -> m.getChecksum())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("24", B24_CHECKSUM));
    }

    @Test
    void aDatabaseMigratedToV20ByTheVScriptsKeepsApplyingVScripts() throws SQLException {
        DataSource old = h2("at-v20");
        vScriptsOnly(old).target("20").load().migrate();
        JdbcClient.create(old).sql("INSERT INTO booking_lock (name) VALUES ('kept')").update();

        MigrateResult result = Flyway.configure().dataSource(old).load().migrate();

        assertThat(result.migrations).extracting(m -> m.version)
                .containsExactlyElementsOf(V_CHAIN.subList(V_CHAIN.indexOf("23"), V_CHAIN.size()));
        assertThat(history(old)).containsExactlyElementsOf(V_CHAIN.stream().map(v -> v + " SQL").toList());
        assertThat(JdbcClient.create(old).sql("SELECT name FROM booking_lock ORDER BY name").query(String.class).list())
                .containsExactly("kept", "slots");
        DataSource vChain = h2("v-chain");
        vScriptsOnly(vChain).load().migrate();
        assertThat(snapshot(old).get("columns")).containsExactlyElementsOf(snapshot(vChain).get("columns"));
    }

    @Test
    void aDatabaseMigratedByTheVScriptsIsLeftAsItIs() throws SQLException {
        DataSource current = h2("at-latest");
        vScriptsOnly(current).load().migrate();

        MigrateResult result = Flyway.configure().dataSource(current).load().migrate();

        assertThat(result.migrationsExecuted).isZero();
        assertThat(history(current)).containsExactlyElementsOf(V_CHAIN.stream().map(v -> v + " SQL").toList());
    }

    private static void assertTheBaselineEqualsTheVChain(DataSource vChain, DataSource baseline) throws SQLException {
        vScriptsOnly(vChain).load().migrate();
        Flyway.configure().dataSource(baseline).load().migrate(); // the hub's configuration: B24 on an empty database

        assertThat(history(vChain)).as("the V chain's history").containsExactlyElementsOf(
                V_CHAIN.stream().map(v -> v + " SQL").toList());
        assertThat(history(baseline)).as("a new database's history").containsExactlyElementsOf(NEW_DATABASE);
        Map<String, List<String>> expected = snapshot(vChain);
        Map<String, List<String>> actual = snapshot(baseline);
        // not two empty lists: the snapshot sees what the V scripts made
        assertThat(String.join("\n", expected.get("indexes"))).containsIgnoringCase("booking_refund_awaiting_idx");
        assertThat(String.join("\n", expected.get("columns"))).containsIgnoringCase("refunded_outside_amount");
        assertThat(String.join("\n", expected.get("rows"))).contains("slots");
        for (var category : expected.keySet()) {
            assertThat(actual.get(category)).as(category).containsExactlyElementsOf(expected.get(category));
        }
    }

    /**
     * A database B24 built (the hub's configuration, on an empty database) validates against the scripts as they are
     * (the V scripts after B24 as applied, nothing pending, none below B24 taken for missing), and the next start's
     * migrate runs nothing: its history stays B24 and the V scripts after it.
     */
    private static void assertTheBaselineBuiltDatabaseIsUpToDate(DataSource dataSource) {
        Flyway.configure().dataSource(dataSource).load().migrate();

        Flyway.configure().dataSource(dataSource).load().validate(); // throws when it does not validate
        MigrateResult again = Flyway.configure().dataSource(dataSource).load().migrate();

        assertThat(again.migrationsExecuted).isZero();
        assertThat(history(dataSource)).containsExactlyElementsOf(NEW_DATABASE);
    }

    /** Flyway as the hub configures it, but blind to the B script: the V chain alone. */
    private static org.flywaydb.core.api.configuration.FluentConfiguration vScriptsOnly(DataSource dataSource) {
        return Flyway.configure().configuration(Map.of("flyway.baselineMigrationPrefix", "NO_BASELINE_"))
                .dataSource(dataSource);
    }

    private DataSource h2(String name) {
        JdbcDataSource dataSource = new JdbcDataSource();
        // the hub's URL (application.yaml), in a directory of the test's own
        dataSource.setURL("jdbc:h2:file:retry:" + dir.resolve(name)
                + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=4096");
        dataSource.setUser("sa");
        return dataSource;
    }

    private static DataSource postgresDatabase(String name) throws SQLException {
        try (var connection = postgres.dataSource().getConnection();
             var statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return postgres.database("postgres", name);
    }

    private static List<String> history(DataSource dataSource) {
        return JdbcClient.create(dataSource)
                .sql("SELECT \"version\", \"type\" FROM \"flyway_schema_history\" WHERE \"success\" AND \"version\" IS NOT NULL "
                        + "ORDER BY \"installed_rank\"")
                .query((rs, row) -> rs.getString(1) + " " + rs.getString(2)).list();
    }

    /**
     * H2's name of a primary key's index, made from a hash of the table as it was when the key was last rebuilt (V2's
     * ADD COLUMN rebuilds it): not the same for a table built in one go. Nothing names it; the constraint's name is
     * the same either way.
     */
    private static final Pattern H2_PRIMARY_KEY_INDEX = Pattern.compile("=PRIMARY_KEY_[0-9A-F]+\\b");

    /** PostgreSQL's NOT NULL constraints, named by object ids that differ between databases (is_nullable says it). */
    private static final Pattern NOT_NULL_CHECK = Pattern.compile("\\d+_\\d+_\\d+_not_null");

    /**
     * The schema as INFORMATION_SCHEMA and the driver's index metadata show it (every column of their rows but the
     * database's name), and every table's rows; Flyway's history table left out. Each category sorted.
     */
    private static Map<String, List<String>> snapshot(DataSource dataSource) throws SQLException {
        Map<String, List<String>> snapshot = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection()) {
            String schema = c.getSchema();
            List<String> tables = new ArrayList<>();
            try (var query = c.prepareStatement("SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                    + "AND table_name <> 'flyway_schema_history' ORDER BY table_name")) {
                query.setString(1, schema);
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            }
            snapshot.put("tables", new ArrayList<>(tables));
            snapshot.put("columns", rows(c, "SELECT * FROM information_schema.columns WHERE table_schema = ? "
                    + "AND table_name <> 'flyway_schema_history'", schema));
            snapshot.put("constraints", rows(c, "SELECT tc.*, cc.check_clause FROM information_schema.table_constraints tc "
                    + "LEFT JOIN information_schema.check_constraints cc ON cc.constraint_schema = tc.constraint_schema "
                    + "AND cc.constraint_name = tc.constraint_name WHERE tc.table_schema = ? "
                    + "AND tc.table_name <> 'flyway_schema_history'", schema).stream()
                    .filter(row -> !NOT_NULL_CHECK.matcher(row).find()).toList());
            snapshot.put("key columns", rows(c, "SELECT * FROM information_schema.key_column_usage WHERE table_schema = ? "
                    + "AND table_name <> 'flyway_schema_history'", schema));
            snapshot.put("sequences", rows(c, "SELECT * FROM information_schema.sequences WHERE sequence_schema = ?",
                    schema));
            List<String> indexes = new ArrayList<>();
            List<String> data = new ArrayList<>();
            for (String table : tables) {
                try (ResultSet rs = c.getMetaData().getIndexInfo(c.getCatalog(), schema, table, false, false)) {
                    indexes.addAll(rows(rs, INDEX_STATISTICS));
                }
                try (var query = c.createStatement();
                     ResultSet rs = query.executeQuery("SELECT * FROM \"" + table + "\"")) {
                    rows(rs).forEach(row -> data.add(table + ": " + row));
                }
            }
            snapshot.put("indexes", indexes.stream().sorted().toList());
            snapshot.put("rows", data.stream().sorted().toList());
        }
        return snapshot;
    }

    /**
     * The driver's index statistics (getIndexInfo's CARDINALITY and PAGES): PostgreSQL reads them from pg_class, which
     * only an ANALYZE (autovacuum's, at its own time) fills in, so two equal schemas may differ there. Not schema.
     */
    private static final Set<String> INDEX_STATISTICS = Set.of("cardinality", "pages");

    private static List<String> rows(Connection c, String sql, String schema) throws SQLException {
        try (var query = c.prepareStatement(sql)) {
            query.setString(1, schema);
            try (ResultSet rs = query.executeQuery()) {
                return rows(rs);
            }
        }
    }

    /** Each row as "column=value, ...", leaving out the catalog (the database's name; H2's index qualifier), sorted. */
    private static List<String> rows(ResultSet rs) throws SQLException {
        return rows(rs, Set.of());
    }

    /** The same, leaving out the columns {@code leftOut} too (lower case). */
    private static List<String> rows(ResultSet rs, Set<String> leftOut) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> rows = new ArrayList<>();
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                String column = meta.getColumnLabel(i).toLowerCase();
                if (column.endsWith("catalog") || column.equals("table_cat") || column.equals("index_qualifier")
                        || leftOut.contains(column)) {
                    continue;
                }
                row.append(row.isEmpty() ? "" : ", ").append(column).append('=').append(rs.getString(i));
            }
            rows.add(H2_PRIMARY_KEY_INDEX.matcher(row).replaceAll("=PRIMARY_KEY_*"));
        }
        return rows.stream().sorted().toList();
    }
}
