package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.connectify.hub.support.EmbeddedPostgresDatabase;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The push channels' state the renewal reads on PostgreSQL as on H2 (GoogleCalendarPushTest): the failed watches in a
 * row since the newest channel opened, a channel's first sync, and the channels in a row that sent nothing.
 */
class PostgresPushChannelRepositoryTest {

    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    private static final Instant T = Instant.parse("2026-11-30T07:00:00Z");
    private static PushChannelRepository channels;

    @BeforeAll
    static void migrate() {
        var dataSource = postgres.dataSource();
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        channels = new PushChannelRepository(JdbcClient.create(dataSource));
    }

    @Test
    void failedWatchesCountThoseSinceTheNewestOpenedChannelAndTheFirstSyncIsRecordedOnce() {
        assertThat(channels.failedWatches("primary")).isEmpty();
        failed("f1", T);
        channel("c1", T.plusSeconds(60));
        failed("f2", T.plusSeconds(120));
        failed("f3", T.plusSeconds(180));

        var failures = channels.failedWatches("primary").orElseThrow();
        assertThat(failures.inARow()).isEqualTo(2);
        assertThat(failures.lastFailedAt()).isEqualTo(T.plusSeconds(180));
        assertThat(channels.failedWatches("another")).isEmpty();

        channel("c2", T.plusSeconds(240));
        assertThat(channels.failedWatches("primary")).isEmpty();
        assertThat(channels.current("primary", T.plusSeconds(300)).orElseThrow().firstSyncAt()).isNull();
        channels.firstSync("c2", T.plusSeconds(250));
        channels.firstSync("c2", T.plusSeconds(260));
        var current = channels.current("primary", T.plusSeconds(300)).orElseThrow();
        assertThat(current.id()).isEqualTo("c2");
        assertThat(current.createdAt()).isEqualTo(T.plusSeconds(240));
        assertThat(current.firstSyncAt()).isEqualTo(T.plusSeconds(250));
    }

    @Test
    void theChannelsInARowThatSentNothingAreCountedBackToTheNewestThatSent() {
        String calendar = "silent";
        channel(calendar, "s1", T);
        channel(calendar, "s2", T.plusSeconds(600));
        failed(calendar, "s3", T.plusSeconds(1200));
        channel(calendar, "s4", T.plusSeconds(1800));
        assertThat(channels.unsyncedInARowBefore(calendar, T)).isZero();
        assertThat(channels.unsyncedInARowBefore(calendar, T.plusSeconds(1800)))
                .as("a failed watch's channel not counted").isEqualTo(2);
        assertThat(channels.unsyncedInARowBefore("another", T.plusSeconds(1800))).isZero();

        channels.firstSync("s2", T.plusSeconds(700));
        assertThat(channels.unsyncedInARowBefore(calendar, T.plusSeconds(1800))).isZero();
        channel(calendar, "s5", T.plusSeconds(3000));
        assertThat(channels.unsyncedInARowBefore(calendar, T.plusSeconds(3000))).isEqualTo(1);
    }

    private static void channel(String id, Instant at) {
        channel("primary", id, at);
    }

    private static void channel(String calendar, String id, Instant at) {
        channels.insertPending(id, calendar, "https://hub.example.com/webhooks/google-calendar", "hash",
                at.plus(Duration.ofDays(7)), at);
        channels.opened(id, "resource-" + id, at.plus(Duration.ofDays(7)));
    }

    private static void failed(String calendar, String id, Instant at) {
        channels.insertPending(id, calendar, "https://hub.example.com/webhooks/google-calendar", "hash",
                at.plus(Duration.ofDays(7)), at);
        channels.watchFailed(id, at);
    }

    private static void failed(String id, Instant at) {
        failed("primary", id, at);
    }
}
