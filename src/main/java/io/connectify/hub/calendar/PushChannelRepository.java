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
     * A channel as stored; {@code resourceId} is null until Google has answered its watch request, {@code tokenSha256}
     * (the hex SHA-256 of the token it was opened with) for a channel opened before the hub stored it.
     */
    public record StoredChannel(String id, String calendarId, String address, String resourceId, Instant expiresAt,
                                String tokenSha256) {
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

    /** The watch request failed: the channel does not exist. */
    public void delete(String id) {
        jdbc.sql("DELETE FROM gcal_push_channel WHERE id = :id").param("id", id).update();
    }

    /** The newest channel Google opened for the calendar that is neither stopped nor expired. */
    public Optional<StoredChannel> current(String calendarId, Instant now) {
        return jdbc.sql("SELECT * FROM gcal_push_channel WHERE calendar_id = :calendar AND resource_id IS NOT NULL "
                        + "AND stopped_at IS NULL AND expires_at > :now ORDER BY created_at DESC, id LIMIT 1")
                .param("calendar", calendarId).param("now", utc(now)).query(PushChannelRepository::map).optional();
    }

    /** Channels opened, not stopped and not expired, other than {@code exceptId}: those to stop. */
    public List<StoredChannel> othersRunning(String exceptId, Instant now) {
        return jdbc.sql("SELECT * FROM gcal_push_channel WHERE id <> :except AND resource_id IS NOT NULL "
                        + "AND stopped_at IS NULL AND expires_at > :now ORDER BY created_at")
                .param("except", exceptId).param("now", utc(now)).query(PushChannelRepository::map).list();
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
     * previous one a renewal has not stopped yet, or a new one whose watch request is still under way).
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
                rs.getString("token_sha256"));
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
