package io.connectify.hub.booking;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.connectify.hub.support.StripeFake.checkoutSession;
import static io.connectify.hub.support.StripeFake.event;
import static io.connectify.hub.support.StripeFake.formField;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import io.connectify.hub.support.CountingClock;
import io.connectify.hub.support.HubTest;
import io.connectify.hub.support.NotificationFakes;
import io.connectify.hub.support.TestClockConfig;
import io.connectify.hub.support.Webhooks;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * What the customer is shown of a hold agrees with the hold stored, which the database's clock dates and expires
 * (BookingClock), on an instance whose own clock runs ahead of the database's (the hub's clock here 2 minutes ahead of
 * the bookings'): the Payrexx payment page's lifetime, the Stripe Checkout Session's expiry (also through an instance
 * behind the database), and a notice's "reserved until" sentence. Before, all were reckoned from the instance's clock:
 * the page closed 2 minutes before the hold ended, the session expired 2 minutes later (or sooner) than its hold on the
 * bookings' clock allowed, and a notice sent in the hold's last 2 minutes told the customer the slot was no longer
 * reserved for them.
 */
@HubTest
class HoldShownOnTheDatabasesClockTest extends Webhooks {

    private static final Duration SKEW = Duration.ofMinutes(2);
    private static final ZoneId ZURICH = ZoneId.of("Europe/Zurich");

    @Autowired
    @Qualifier(TestClockConfig.BOOKING_READINGS)
    CountingClock databaseClock;

    @Test
    void aPayrexxPageMadeThroughAnInstanceAheadOfTheDatabaseLastsTheHoldStored() {
        String[] id = {null};

        databaseClock.runningBehind(SKEW, () -> id[0] = pendingBooking("2026-12-07T14:00:00+01:00", "payrexx"));

        Instant reserved = storedInstant(id[0], "created_at");
        Instant holdEnds = storedInstant(id[0], "hold_expires_at");
        assertThat(Duration.between(reserved, holdEnds)).as("the hold stored").isEqualTo(Duration.ofMinutes(15));
        payrexx.server().verify(1, postRequestedFor(urlPathEqualTo("/v1.0/Gateway/"))
                .withRequestBody(formField("referenceId", id[0])).withRequestBody(formField("validity", "15")));
    }

    @Test
    void aStripeSessionMadeThroughAnInstanceAheadOfTheDatabaseExpiresOnTheBookingsClock() {
        String id = stripeSessionMade(work -> databaseClock.runningBehind(SKEW, work), "2026-12-07T11:00:00+01:00");

        assertThat(sessionExpiry()).isEqualTo(expiryOnTheBookingsClock(id));
    }

    @Test
    void aStripeSessionMadeThroughAnInstanceBehindTheDatabaseExpiresOnTheBookingsClock() {
        String id = stripeSessionMade(work -> databaseClock.runningAhead(SKEW, work), "2026-12-07T15:00:00+01:00");

        assertThat(sessionExpiry()).isEqualTo(expiryOnTheBookingsClock(id));
    }

    /** A Stripe booking at {@code start} reserved while {@code skewed} sets the database's clock apart: its id. */
    private String stripeSessionMade(Consumer<Runnable> skewed, String start) {
        String[] id = {null};
        skewed.accept(() -> id[0] = pendingBooking(start, "stripe"));
        assertThat(Duration.between(storedInstant(id[0], "created_at"), storedInstant(id[0], "hold_expires_at")))
                .as("the hold stored").isEqualTo(Duration.ofMinutes(15));
        return id[0];
    }

    /**
     * When the booking's Checkout Session is to expire on the bookings' clock: its hold's end, the 15 minutes moved to
     * the soonest Stripe takes from its reservation (30 minutes after the create's last retry could go, the tests' 3
     * attempts of 5 s for a permit, 5 s to connect, 1 s to answer, 20 ms of back-off, and 2 more: PaymentRequestsTest).
     * Reckoned on the instance's clock, it was the skew later or sooner.
     */
    private long expiryOnTheBookingsClock(String id) {
        Instant holdEnds = storedInstant(id, "hold_expires_at");
        Instant soonest = storedInstant(id, "created_at").plus(Duration.ofMinutes(32).plusMillis(33060));
        assertThat(holdEnds).as("the hold is shorter than Stripe allows").isBefore(soonest);
        return soonest.getEpochSecond();
    }

    /** The expires_at of the one Checkout Session the Stripe fake was asked to create. */
    private static long sessionExpiry() {
        var sent = stripe.server().findAll(postRequestedFor(urlPathEqualTo("/v1/checkout/sessions")));
        assertThat(sent).hasSize(1);
        return Arrays.stream(sent.get(0).getBodyAsString().split("&"))
                .map(field -> URLDecoder.decode(field, StandardCharsets.UTF_8))
                .filter(field -> field.startsWith("expires_at=")).map(field -> Long.parseLong(field.substring(11)))
                .findFirst().orElseThrow();
    }

    @Test
    void aNoticeSentThroughAnInstanceAheadOfTheDatabaseTellsTheHoldThatStillRuns() {
        String start = "2026-12-07T10:00:00+01:00";
        String[] id = {null};

        databaseClock.runningBehind(SKEW, () -> {
            id[0] = pendingBooking(start, "stripe");
            // a minute of the hold left by the database's clock, a minute past it by the instance's
            clock.advance(Duration.ofMinutes(14));
            assertThat(signedStripeWebhook(event("evt_skew_jpy", "checkout.session.completed",
                    checkoutSession(id[0], "paid", "pi_skew_jpy").replace("\"currency\":\"chf\"",
                            "\"currency\":\"jpy\""))).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> !refundNotices().isEmpty());
            assertThat(status(id[0])).as("still held by the database's clock").isEqualTo("PENDING_PAYMENT");
        });

        String holdEnds = storedInstant(id[0], "hold_expires_at").atZone(ZURICH)
                .format(DateTimeFormatter.ofPattern("HH:mm"));
        assertThat(refundNotices()).first().asString().contains("Der Termin bleibt bis").contains(holdEnds)
                .doesNotContain("nicht mehr für Sie reserviert");
    }

    /** The SMS texts the Twilio fake received of a payment refunded for the booking on 7 December. */
    private static List<String> refundNotices() {
        return notify.twilio().findAll(postRequestedFor(urlPathEqualTo(NotificationFakes.MESSAGES))).stream()
                .map(r -> URLDecoder.decode(r.getBodyAsString(), StandardCharsets.UTF_8))
                .filter(form -> form.contains("7. Dezember 2026") && form.contains("erstattet"))
                .map(form -> form.substring(form.indexOf("Body=") + 5).split("&", 2)[0]).toList();
    }

    private Instant storedInstant(String id, String column) {
        return jdbc.sql("SELECT " + column + " FROM booking WHERE id = :id").param("id", id)
                .query(OffsetDateTime.class).single().toInstant();
    }
}
