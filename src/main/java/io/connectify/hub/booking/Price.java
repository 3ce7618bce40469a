package io.connectify.hub.booking;

/** What a duration costs: amount in minor units of an ISO 4217 currency. */
public record Price(int durationMinutes, long amount, String currency) {
}
