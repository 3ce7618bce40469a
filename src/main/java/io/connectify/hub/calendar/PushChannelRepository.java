package io.connectify.hub.calendar;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The Google Calendar push channels the hub opened (table gcal_push_channel), shared by all instances. */
@Repository
public class PushChannelRepository {

    /**
     * A channel as stored; {@code resourceId} is null until Google has answered its watch request (or, for one whose
     * request failed, until it sends), {@code tokenSha256} (the hex SHA-256 of the token it was opened with) null for a
     * channel opened before the hub stored it; {@code watchFailed}: its watch request failed, so it is never the
     * channel in place, though Google may have opened it (its answer lost); {@code createdAt}: when its watch request
     * was made; {@code firstSyncAt}: when its first notification (Google's sync) arrived, null until then.
     */
    public record StoredChannel(String id, String calendarId, String address, String resourceId, Instant expiresAt,
                                String tokenSha256, boolean watchFailed, Instant createdAt, Instant firstSyncAt) {
    }

    /**
     * The watch requests for a calendar that failed since a channel was last opened on it (by any instance): how
     * many, and when the last failed.
     */
    public record FailedWatches(int inARow, Instant lastFailedAt) {
    }

    private final JdbcClient jdbc;

    public PushChannelRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Written before the watch request: a notification on the new channel may come before Google's answer. */
    public void insertPending(String id, String calendarId, String address, String tokenSha256, Instant expiresAt,
                              Instant now) {
        jdbc.sql("INSERT INTO gcal_push_channel (id, calendar_id, address, token_sha256, expires_at, created_at) "
                        + "VALUES (:id, :calendar, :address, :token, :expires, :now)")
                .param("id", id).param("calendar", calendarId).param("address", address).param("token", tokenSha256)
                .param("expires", utc(expiresAt)).param("now", utc(now)).update();
    }

    /** Google opened the channel: its resource id and the expiration Google granted. */
    public void opened(String id, String resourceId, Instant expiresAt) {
        jdbc.sql("UPDATE gcal_push_channel SET resource_id = :resource, expires_at = :expires WHERE id = :id")
                .param("id", id).param("resource", resourceId).param("expires", utc(expiresAt)).update();
    }

    /**
     * The watch request failed. The row stays (until it expires): Google may have opened the channel all the same,
     * its answer lost, and the channel is then stopped once it sends ({@link #failedChannelSends}).
     */
    public void watchFailed(String id, Instant now) {
        jdbc.sql("UPDATE gcal_push_channel SET watch_failed_at = :now WHERE id = :id")
                .param("id", id).param("now", utc(now)).update();
    }

    /**
     * Channels whose watch request was under way before {@code before} and never answered (the instance making it
     * stopped or died meanwhile), taken as failed; answers how many.
     */
    public int failUnanswered(Instant before, Instant now) {
        return jdbc.sql("UPDATE gcal_push_channel SET watch_failed_at = :now WHERE resource_id IS NULL "
                        + "AND watch_failed_at IS NULL AND stopped_at IS NULL AND created_at < :before")
                .param("before", utc(before)).param("now", utc(now)).update();
    }

    /**
     * A channel whose watch request failed sends, so Google opened it: its resource id, from the notification, is
     * recorded, which makes it one of the channels to stop. False when it was recorded already.
     */
    public boolean failedChannelSends(String id, String resourceId) {
        return jdbc.sql("UPDATE gcal_push_channel SET resource_id = :resource WHERE id = :id "
                        + "AND watch_failed_at IS NOT NULL AND resource_id IS NULL")
                .param("id", id).param("resource", resourceId).update() == 1;
    }

    /** The channel's first notification arrived (a later one changes nothing). */
    public void firstSync(String id, Instant now) {
        jdbc.sql("UPDATE gcal_push_channel SET first_sync_at = :now WHERE id = :id AND first_sync_at IS NULL")
                .param("id", id).param("now", utc(now)).update();
    }

    /**
     * How many channels Google opened for the calendar before {@code createdAt} that sent nothing (not even their
     * sync), counted back to the newest channel that sent: the channels in a row Google did not deliver to. The
     * renewal's first-sync wait doubles with each, whichever instance opened them. Channels whose watch failed are not
     * counted (the watch retry's own wait covers them), and one of them sending ends the row as any channel's does.
     */
    public int unsyncedInARowBefore(String calendarId, Instant createdAt) {
        return jdbc.sql("SELECT COUNT(*) FROM gcal_push_channel c WHERE c.calendar_id = :calendar "
                        + "AND c.resource_id IS NOT NULL AND c.watch_failed_at IS NULL AND c.first_sync_at IS NULL "
                        + "AND c.created_at < :before AND NOT EXISTS (SELECT 1 FROM gcal_push_channel s "
                        + "WHERE s.calendar_id = c.calendar_id AND s.first_sync_at IS NOT NULL "
                        + "AND s.created_at >= c.created_at)")
                .param("calendar", calendarId).param("before", utc(createdAt)).query(Integer.class).single();
    }

    /**
     * The watch requests that failed after the calendar's newest channel Google opened in answer to one (or all that
     * failed, with none opened), empty when there are none: the renewal's wait before the next try doubles with each,
     * whichever instance made it.
     */
    public Optional<FailedWatches> failedWatches(String calendarId) {
        return jdbc.sql("SELECT COUNT(*) AS failures, MAX(f.watch_failed_at) AS last_failed FROM gcal_push_channel f "
                        + "WHERE f.calendar_id = :calendar AND f.watch_failed_at IS NOT NULL AND NOT EXISTS ("
                        + "SELECT 1 FROM gcal_push_channel o WHERE o.calendar_id = f.calendar_id "
                        + "AND o.watch_failed_at IS NULL AND o.resource_id IS NOT NULL AND o.created_at >= f.created_at) "
                        + "HAVING COUNT(*) > 0")
                .param("calendar", calendarId)
                .query((rs, row) -> new FailedWatches(rs.getInt("failures"),
                        rs.getObject("last_failed", OffsetDateTime.class).toInstant()))
                .optional();
    }

    /**
     * The newest channel Google opened for the calendar in answer to the hub's watch request that is neither stopped
     * nor expired.
     */
    public Optional<StoredChannel> current(String calendarId, Instant now) {
        return jdbc.sql("SELECT * FROM gcal_push_channel WHERE calendar_id = :calendar AND resource_id IS NOT NULL "
                        + "AND watch_failed_at IS NULL AND stopped_at IS NULL AND expires_at > :now "
                        + "ORDER BY created_at DESC, id LIMIT 1")
                .param("calendar", calendarId).param("now", utc(now)).query(PushChannelRepository::map).optional();
    }

    /**
     * The channels {@code inPlace} replaces, to stop: opened (or whose watch failed and that sent), not stopped, not
     * expired, and either {@code replaced} (the channel the look found in place and replaced, or null), one whose
     * watch failed, or one older than {@code inPlace} as {@link #current} orders them (created earlier, or at the
     * same time with a greater id). A newer one was opened by a look overlapping this one (another instance's, which
     * took the lease while this one's watch call was under way): it replaces {@code inPlace}, which that look or the
     * next stops. Stopping every other channel, two overlapping looks could each stop the other's, and push stayed
     * off until the next look. Any one order will do (the instances' clocks may differ): the newest channel in it is
     * stopped by no look.
     */
    public List<StoredChannel> replacedBy(String inPlace, String replaced, Instant now) {
        return jdbc.sql("SELECT c.* FROM gcal_push_channel c, gcal_push_channel p WHERE p.id = :keep "
                        + "AND c.id <> p.id AND c.resource_id IS NOT NULL AND c.stopped_at IS NULL "
                        + "AND c.expires_at > :now AND (c.id = :replaced OR c.watch_failed_at IS NOT NULL "
                        + "OR c.created_at < p.created_at OR (c.created_at = p.created_at AND c.id > p.id)) "
                        + "ORDER BY c.created_at")
                .param("keep", inPlace).param("replaced", replaced).param("now", utc(now))
                .query(PushChannelRepository::map).list();
    }

    /** Every channel opened, not stopped and not expired: those to stop once push is turned off. */
    public List<StoredChannel> running(Instant now) {
        return jdbc.sql("SELECT * FROM gcal_push_channel WHERE resource_id IS NOT NULL AND stopped_at IS NULL "
                        + "AND expires_at > :now ORDER BY created_at")
                .param("now", utc(now)).query(PushChannelRepository::map).list();
    }

    public void stopped(String id, Instant now) {
        jdbc.sql("UPDATE gcal_push_channel SET stopped_at = :now WHERE id = :id")
                .param("id", id).param("now", utc(now)).update();
    }

    /**
     * The channel a notification names, while it may still send: neither stopped nor expired (the current one, a
     * previous one a renewal has not stopped yet, a new one whose watch request is still under way, or one whose
     * watch request failed).
     */
    public Optional<StoredChannel> live(String id, Instant now) {
        return jdbc.sql("SELECT * FROM gcal_push_channel WHERE id = :id AND stopped_at IS NULL AND expires_at > :now")
                .param("id", id).param("now", utc(now)).query(PushChannelRepository::map).optional();
    }

    /** Deletes channels expired before {@code before}: they can send nothing any more. */
    public int deleteExpired(Instant before) {
        return jdbc.sql("DELETE FROM gcal_push_channel WHERE expires_at < :before").param("before", utc(before))
                .update();
    }

    private static StoredChannel map(java.sql.ResultSet rs, int row) throws java.sql.SQLException {
        return new StoredChannel(rs.getString("id"), rs.getString("calendar_id"), rs.getString("address"),
                rs.getString("resource_id"), rs.getObject("expires_at", OffsetDateTime.class).toInstant(),
                rs.getString("token_sha256"), rs.getObject("watch_failed_at", OffsetDateTime.class) != null,
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                instant(rs.getObject("first_sync_at", OffsetDateTime.class)));
    }

    private static Instant instant(OffsetDateTime at) {
        return at == null ? null : at.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
