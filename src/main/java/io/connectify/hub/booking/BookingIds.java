package io.connectify.hub.booking;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A booking id as a path names it. The hub stores ids as lower-case UUIDs, and a UUID is the same in any case (RFC
 * 9562), as a provider's event naming a booking is read: {@code /bookings/<ID IN CAPITALS>} is that booking, where it
 * was 404. Only the written form of a UUID (8-4-4-4-12 hex digits) is changed; anything else is left as it is, no
 * booking's id, so 404.
 */
public final class BookingIds {

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private BookingIds() {
    }

    public static String fromPath(String id) {
        return id != null && UUID.matcher(id).matches() ? id.toLowerCase(Locale.ROOT) : id;
    }

    /**
     * The booking id a provider's event names, as stored: a UUID in any case, blanks around it ignored (a reference a
     * caller of the payments API padded); null when it names no UUID. What the booking is looked up by
     * (BookingRepository#findNamed), and so what every key derived from a named booking must use: an event's message
     * group made from the id as written put {@code BK-…}, {@code " bk-… "} and {@code bk-…} of one booking into three
     * groups, handled at once.
     */
    public static String ofEvent(String named) {
        if (named == null || named.isBlank()) {
            return null;
        }
        try {
            return java.util.UUID.fromString(named.strip()).toString();
        } catch (IllegalArgumentException notAUuid) {
            return null;
        }
    }
}
