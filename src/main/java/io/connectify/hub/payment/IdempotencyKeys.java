package io.connectify.hub.payment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.connectify.hub.resilience.ValidationException;

/**
 * Idempotency-Keys for provider POSTs: the caller's own, or one derived from what is asked (the same request body,
 * the same booking), so a retried request can never charge or refund twice.
 */
public final class IdempotencyKeys {

    private IdempotencyKeys() {
    }

    public static String fromCallerOr(String callerKey, String operation, String content) {
        if (callerKey != null && !callerKey.isBlank()) {
            if (!callerKey.matches("[A-Za-z0-9_\\-:.]{1,255}")) {
                throw new ValidationException("Idempotency-Key may hold 1-255 letters, digits and _-:.");
            }
            return callerKey;
        }
        return operation + "-" + sha256(content);
    }

    public static String forBooking(String bookingId, String operation) {
        return "booking-" + bookingId + "-" + operation;
    }

    private static String sha256(String content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
