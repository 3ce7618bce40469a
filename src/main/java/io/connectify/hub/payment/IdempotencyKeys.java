package io.connectify.hub.payment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

import io.connectify.hub.resilience.ValidationException;

/**
 * Idempotency-Keys for provider POSTs. A booking's payment and refund carry one derived from the booking, so the
 * hub's retries, redeliveries and sweeps never charge or refund twice. A REST caller's request carries one derived
 * from the caller's key (which makes the caller's retries safe), else one of its own that the hub's retries reuse:
 * two requests without a key are two operations, as with Stripe itself. A key derived from the body merged two
 * customers' equal payments into one PaymentIntent (the second was handed the first's client secret) and answered a
 * second partial refund of the same amount with the first.
 */
public final class IdempotencyKeys {

    /** What a caller's Idempotency-Key may hold (the API's OpenAPI document states it too). */
    public static final String CALLER_KEY_PATTERN = "[A-Za-z0-9_\\-:.]{1,255}";

    private IdempotencyKeys() {
    }

    /**
     * The key a REST caller's Stripe request carries: one derived from the caller's key and its API key (per caller,
     * as the hub keeps callers' keys, where Stripe keeps one set per account: two callers' equal keys met there, the
     * second answered with the first's PaymentIntent, and a caller's key could be one of the hub's own booking keys),
     * else a new one of its own.
     */
    public static String forStripe(String callerKey, String apiKey, String operation) {
        if (callerKey == null) { // a blank one is refused (validated), not taken as none
            return operation + "-" + UUID.randomUUID();
        }
        return "api-" + sha256(String.valueOf(apiKey).getBytes(StandardCharsets.UTF_8),
                validated(callerKey).getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 in hex over the parts, each ended by a zero byte (so "ab" + "c" is not "a" + "bc"). */
    public static String sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A caller's key as Stripe takes it (up to 255 characters), else 400. */
    public static String validated(String callerKey) {
        if (callerKey == null || !callerKey.matches(CALLER_KEY_PATTERN)) {
            throw new ValidationException("Idempotency-Key may hold 1-255 letters, digits and _-:.");
        }
        return callerKey;
    }

    public static String forBooking(String bookingId, String operation) {
        return "booking-" + bookingId + "-" + operation;
    }
}
