package io.connectify.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectify.hub.booking.AvailabilityProperties;
import io.connectify.hub.booking.BookingConfig;
import io.connectify.hub.booking.BookingProperties;
import io.connectify.hub.booking.EventChangeTimeout;
import io.connectify.hub.booking.EventPutBackProperties;
import io.connectify.hub.booking.HoldWithinLeadTime;
import io.connectify.hub.booking.PriceTable;
import io.connectify.hub.booking.PricingProperties;
import io.connectify.hub.calendar.GoogleCalendarConfig;
import io.connectify.hub.calendar.GoogleCalendarProperties;
import io.connectify.hub.notification.NotificationConfig;
import io.connectify.hub.notification.NotificationProperties;
import io.connectify.hub.notification.NotificationTemplateCheck;
import io.connectify.hub.notification.SendGridProperties;
import io.connectify.hub.notification.TwilioProperties;
import io.connectify.hub.ops.DatabaseGaugeProperties;
import io.connectify.hub.ops.DatabaseProperties;
import io.connectify.hub.ops.DeadLetterProperties;
import io.connectify.hub.ops.RetentionProperties;
import io.connectify.hub.ops.cluster.ClusterConfig;
import io.connectify.hub.ops.cluster.ClusterProperties;
import io.connectify.hub.payment.PaymentProperties;
import io.connectify.hub.payment.payrexx.PayrexxConfig;
import io.connectify.hub.payment.payrexx.PayrexxProperties;
import io.connectify.hub.payment.stripe.StripeConfig;
import io.connectify.hub.payment.stripe.StripeProperties;
import io.connectify.hub.resilience.ProblemResponder;
import io.connectify.hub.resilience.ResilienceProperties;
import io.connectify.hub.sandbox.HubAddress;
import io.connectify.hub.sandbox.Outbox;
import io.connectify.hub.sandbox.ProviderMode;
import io.connectify.hub.sandbox.ProviderModes;
import io.connectify.hub.security.ApiKeys;
import io.connectify.hub.security.SecurityProperties;
import io.connectify.hub.web.BodySizeLimitFilter;
import io.connectify.hub.web.HttpProperties;
import io.connectify.hub.web.LongestRequest;
import io.connectify.hub.web.RoutesNotStartedFilter;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.assertj.core.util.Throwables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Values the hub cannot work with stop the start, with a message naming the property, where before they were taken
 * and failed later (a timer of 0 ran once, an unknown default provider failed every booking) or silently meant
 * something else (a negative retention kept records for ever). Bound as Spring Boot binds them at start: over
 * application.yaml.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationValidationTest {

    static Stream<Arguments> refused() {
        return Stream.of(
                refused(BookingProperties.class, "connectify.booking.hold-sweep-interval", "0s"),
                refused(BookingProperties.class, "connectify.booking.hold-sweep-interval", "-30s"),
                refused(BookingProperties.class, "connectify.booking.refund-retry-interval", "0s"),
                refused(BookingProperties.class, "connectify.booking.hold", "0s"),
                refused(EventPutBackProperties.class, "connectify.booking.event-put-back.interval", "0s"),
                refused(EventPutBackProperties.class, "connectify.booking.event-put-back.retry-for", "0s"),
                refused(EventPutBackProperties.class, "connectify.booking.event-put-back.batch", "0"),
                refused(BookingProperties.class, "connectify.booking.processing-hold", "-1d"),
                refused(BookingProperties.class, "connectify.booking.asap.preparation-time", "-1h"),
                // the default hold is 15 minutes
                refused(BookingProperties.class, "connectify.booking.asap.preparation-time", "10m"),
                refused(NotificationProperties.class, "connectify.notifications.recovery-interval", "0s"),
                refused(NotificationProperties.class, "connectify.notifications.rate", "0"),
                refused(NotificationProperties.class, "connectify.notifications.recover-max-per-sweep", "0"),
                refused(NotificationProperties.class, "connectify.notifications.period-millis", "0"),
                refused(DeadLetterProperties.class, "connectify.dead-letters.auto-replay.interval", "0s"),
                // the default interval is 30 seconds
                refused(DeadLetterProperties.class, "connectify.dead-letters.auto-replay.overdue-after", "30s"),
                refused(RetentionProperties.class, "connectify.retention.sweep-interval", "0s"),
                refused(DatabaseProperties.class, "connectify.database.compact-interval", "0s"),
                refused(DatabaseGaugeProperties.class, "connectify.metrics.database-gauges.refresh-interval", "0s"),
                refused(DatabaseGaugeProperties.class, "connectify.metrics.database-gauges.query-timeout", "0s"),
                // 0 ms is "wait for ever" on H2 and PostgreSQL, and so would be a part of a millisecond
                refused(DatabaseProperties.class, "connectify.database.lock-timeout", "0s"),
                refused(DatabaseProperties.class, "connectify.database.lock-timeout", "-2s"),
                refused(DatabaseProperties.class, "connectify.database.lock-timeout", "500us"),
                refused(DatabaseProperties.class, "connectify.database.lock-timeout", "30d"),
                refused(PaymentProperties.class, "connectify.payment.refund-cut-off", "-1h"),
                refused(BookingProperties.class, "connectify.booking.max-advance", "0s"),
                refused(BookingProperties.class, "connectify.booking.max-advance", "-1d"),
                refused(AvailabilityProperties.class, "connectify.availability.buffer", "-15m"),
                refused(AvailabilityProperties.class, "connectify.availability.min-lead-time", "-1h"),
                refused(PaymentProperties.class, "connectify.payment.default-provider", "paypal"),
                refused(PaymentProperties.class, "connectify.payment.provider-by-currency.EUR", "paypal"),
                refused(PaymentProperties.class, "connectify.payment.cancelled-event", "keep"),
                refused(StripeProperties.class, "connectify.stripe.webhook-tolerance", "0s"),
                // taken in whole seconds, 0 of which skips the signature's age check: an old event would pass
                refused(StripeProperties.class, "connectify.stripe.webhook-tolerance", "500ms"),
                // Twilio dates a message to the second: a lookup from the lost attempt's start could miss its message
                refused(TwilioProperties.class, "connectify.twilio.lookup-clock-margin", "0s"),
                refused(TwilioProperties.class, "connectify.twilio.lookup-clock-margin", "-5s"),
                refused(TwilioProperties.class, "connectify.twilio.lookup-clock-margin", "999ms"),
                refused(HttpProperties.class, "connectify.http.max-body-bytes", "0"),
                refused(HttpProperties.class, "connectify.http.max-body-bytes", "-1"),
                refused(HttpProperties.class, "connectify.http.idempotency-claim-renewal", "0s"),
                refused(HttpProperties.class, "connectify.http.idempotency-claim-timeout", "0s"),
                refused(HttpProperties.class, "connectify.http.idempotency-claim-max-age", "0s"),
                // the default renewal is 5 seconds: a claim must outlive 3 of them
                refused(HttpProperties.class, "connectify.http.idempotency-claim-timeout", "14s"),
                refused(RetentionProperties.class, "connectify.retention.processed-events", "-1d"),
                refused(RetentionProperties.class, "connectify.retention.audit", "-1d"),
                refused(RetentionProperties.class, "connectify.retention.processed-events", "2d"),
                refused(ClusterProperties.class, "connectify.cluster.heartbeat", "10s"),
                refused(ClusterProperties.class, "connectify.cluster.heartbeat", "15s"),
                // Spring Integration takes the lease's TTL as an int of milliseconds, the heartbeat in whole ones
                refused(ClusterProperties.class, "connectify.cluster.lease-ttl", "25d"),
                refused(ClusterProperties.class, "connectify.cluster.heartbeat", "500us"),
                // under 4ms the election asks for the lease without a pause; 100ms is the floor
                refused(ClusterProperties.class, "connectify.cluster.heartbeat", "99ms"),
                refused(ClusterProperties.class, "connectify.cluster.expected-replicas", "0"));
    }

    @ParameterizedTest(name = "{1}={2}")
    @MethodSource("refused")
    void aValueTheHubCannotWorkWithIsRefusedByName(Class<?> type, String property, String value) throws IOException {
        String prefix = prefixOf(type);

        assertThatThrownBy(() -> bind(prefix, type, Map.of(property, value)))
                .satisfies(e -> assertThat(Throwables.getRootCause(e))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(property));
    }

    @Test
    void theDefaultsAndTheDocumentedSpecialValuesAreTaken() throws IOException {
        for (Class<?> type : List.of(BookingProperties.class, NotificationProperties.class, DeadLetterProperties.class,
                RetentionProperties.class, DatabaseProperties.class, PaymentProperties.class,
                AvailabilityProperties.class, StripeProperties.class, HttpProperties.class, ClusterProperties.class,
                TwilioProperties.class)) {
            assertThat(bind(prefixOf(type), type, Map.of())).as(type.getSimpleName()).isNotNull();
        }
        // 0 keeps records for ever, as documented; 3 days is Stripe's retry window
        RetentionProperties forever = bind("connectify.retention", RetentionProperties.class, Map.of(
                "connectify.retention.processed-events", "0", "connectify.retention.audit", "0"));
        assertThat(forever.processedEvents()).isZero();
        assertThat(bind("connectify.retention", RetentionProperties.class,
                Map.of("connectify.retention.processed-events", "3d")).processedEvents()).isEqualTo(Duration.ofDays(3));
        assertThat(bind("connectify.http", HttpProperties.class, Map.of(
                "connectify.http.idempotency-claim-timeout", "15s")).idempotencyClaimTimeout())
                .isEqualTo(Duration.ofSeconds(15));
        assertThat(bind("connectify.twilio", TwilioProperties.class, Map.of(
                "connectify.twilio.lookup-clock-margin", "1s")).lookupClockMargin()).isEqualTo(Duration.ofSeconds(1));
        assertThat(bind("connectify.availability", AvailabilityProperties.class,
                Map.of("connectify.availability.buffer", "0s")).buffer()).isZero();
        // a short preparation time is fine while ASAP booking is off, or with a hold as short
        assertThat(bind("connectify.booking", BookingProperties.class, Map.of(
                "connectify.booking.asap.enabled", "false", "connectify.booking.asap.preparation-time", "10m"))
                .asap().preparationTime()).isEqualTo(Duration.ofMinutes(10));
        assertThat(bind("connectify.booking", BookingProperties.class, Map.of(
                "connectify.booking.hold", "10m", "connectify.booking.asap.preparation-time", "10m"))
                .asap().preparationTime()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aChangeOfABookingsEventCountsAsUnderWayForAsLongAsTwoGoogleCallsCanTake() throws IOException {
        // two Google calls of 10 attempts (5 s rate limit + 5 s connect + 10 s read), 10 s between attempts (the
        // longest Retry-After waited out), and two 2 s lock timeouts: 9m44s, where it was a fixed 15 minutes
        assertThat(eventChangeTimeout(Map.of()).duration()).isEqualTo(Duration.ofSeconds(584));
        assertThat(eventChangeTimeout(Map.of("connectify.resilience.providers.google-calendar.retry.max-attempts", "3",
                "connectify.gcal.read-timeout", "1s")).duration()).isEqualTo(Duration.ofSeconds(110));
        assertThatThrownBy(() -> eventChangeTimeout(Map.of(
                "connectify.resilience.providers.google-calendar.retry.max-attempts", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connectify.resilience.providers.google-calendar.retry.max-attempts");
    }

    /**
     * The wait after a 429 that names none is longer than 0 and no longer than max-retry-after (a longer one would
     * never be retried): either stops the start, naming the property, the provider's own too; the default (1 s) binds.
     */
    @Test
    void aRateLimitedWaitOfNothingOrBeyondMaxRetryAfterStopsTheStart() throws IOException {
        assertThat(bind("connectify.resilience", ResilienceProperties.class, Map.of()).policyFor("twilio").retry()
                .rateLimitedWait()).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> bind("connectify.resilience", ResilienceProperties.class,
                Map.of("connectify.resilience.defaults.retry.rate-limited-wait", "0s")))
                .rootCause().hasMessageContaining("connectify.resilience.defaults.retry.rate-limited-wait must be longer than 0");
        assertThatThrownBy(() -> bind("connectify.resilience", ResilienceProperties.class,
                Map.of("connectify.resilience.providers.twilio.retry.rate-limited-wait", "11s")))
                .rootCause().hasMessageContaining("connectify.resilience.providers.twilio.retry.rate-limited-wait must be "
                        + "at most max-retry-after (PT10S)");
    }

    private static EventChangeTimeout eventChangeTimeout(Map<String, Object> overrides) throws IOException {
        return new EventChangeTimeout(bind("connectify.gcal", GoogleCalendarProperties.class, overrides),
                bind("connectify.resilience", ResilienceProperties.class, overrides),
                bind("connectify.database", DatabaseProperties.class, overrides));
    }

    /**
     * An Idempotency-Key's claim is renewed for idempotency-claim-max-age at most: shorter than the longest request
     * (with the defaults a reschedule's four Google calls, 4 x 4m50s, and 4 lock waits of 2 s: 19m28s; a cancel's
     * Google call and two Stripe calls, 4m50s + 2 x 6m30s, 17m58s), a repeat would take over a request still running
     * and run it twice. Raising Google's retries without the max age stops the start, naming both; the defaults
     * start.
     */
    @Test
    void anIdempotencyClaimMaxAgeShorterThanTheLongestRequestStopsTheStart() {
        longestRequest().run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(LongestRequest.class).duration()).isEqualTo(Duration.ofSeconds(1168));
        });
        // 20 attempts: a Google call takes up to 9m50s, a reschedule's four 39m20s
        longestRequest().withPropertyValues("connectify.resilience.providers.google-calendar.retry.max-attempts=20")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("connectify.http.idempotency-claim-max-age (PT20M) must be at least the "
                                + "longest request the hub runs, PT39M28S")
                        .hasMessageContaining("connectify.resilience.providers.google-calendar"));
        longestRequest().withPropertyValues("connectify.resilience.providers.google-calendar.retry.max-attempts=20",
                "connectify.http.idempotency-claim-max-age=40m").run(context -> assertThat(context).hasNotFailed());
        // the 15 minutes it was fall short of the default policies' cancel
        longestRequest().withPropertyValues("connectify.http.idempotency-claim-max-age=15m")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("connectify.http.idempotency-claim-max-age (PT15M)"));
    }

    /**
     * A key's claim older than idempotency-key-lifetime counts as an expired answer and is taken over, its request
     * running or not: a lifetime of 5 minutes under a claim max age of 20 let a repeat run a cancel still running (a
     * second refund) after 5. The start stops, naming both; a lifetime of the max age starts.
     */
    @Test
    void anIdempotencyKeyLifetimeShorterThanTheClaimMaxAgeStopsTheStart() {
        longestRequest().withPropertyValues("connectify.http.idempotency-key-lifetime=5m",
                        "connectify.http.idempotency-claim-max-age=20m")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("connectify.http.idempotency-key-lifetime (PT5M) must be at least "
                                + "connectify.http.idempotency-claim-max-age (PT20M)"));
        longestRequest().withPropertyValues("connectify.http.idempotency-key-lifetime=20m",
                "connectify.http.idempotency-claim-max-age=20m").run(context -> assertThat(context).hasNotFailed());
    }

    private static ApplicationContextRunner longestRequest() {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(LongestRequestOnly.class);
    }

    @EnableConfigurationProperties({GoogleCalendarProperties.class, StripeProperties.class, PayrexxProperties.class,
            ResilienceProperties.class, DatabaseProperties.class, HttpProperties.class})
    @Import(LongestRequest.class)
    static class LongestRequestOnly {
    }

    @Test
    void providerNamesAreTakenInAnyCase() throws IOException {
        PaymentProperties payment = bind("connectify.payment", PaymentProperties.class, Map.of(
                "connectify.payment.default-provider", "Stripe", "connectify.payment.provider-by-currency.EUR",
                " PAYREXX", "connectify.payment.cancelled-event", "Mark-Cancelled"));

        // the payment router compares with the lower-case names
        assertThat(payment.providerFor(null, "USD")).isEqualTo("stripe");
        assertThat(payment.providerFor(null, "EUR")).isEqualTo("payrexx");
        assertThat(payment.deleteCancelledEvents()).isFalse();
    }

    /**
     * A resilience entry for a provider the hub does not have stops the start, naming the key and the valid names:
     * before, {@code providers.google.retry.max-attempts=2} bound without a word and changed nothing. The known names
     * bind in either form (YAML's and an environment variable's).
     */
    @Test
    void aResilienceEntryForAnUnknownProviderStopsTheStart() throws IOException {
        assertThatThrownBy(() -> bind("connectify.resilience", ResilienceProperties.class,
                Map.of("connectify.resilience.providers.google.retry.max-attempts", "2")))
                .satisfies(e -> assertThat(Throwables.getRootCause(e))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("connectify.resilience.providers.google names no provider")
                        .hasMessageContaining("google-calendar, stripe, payrexx, twilio, sendgrid"));

        ResilienceProperties known = bind("connectify.resilience", ResilienceProperties.class, Map.of(
                "connectify.resilience.providers.googlecalendar.retry.max-attempts", "2",
                "connectify.resilience.providers.SendGrid.retry.max-attempts", "4"));
        assertThat(known.policyFor("google-calendar").retry().maxAttempts()).isEqualTo(2);
        assertThat(known.policyFor("sendgrid").retry().maxAttempts()).isEqualTo(4);
    }

    @Test
    void theStartFailsWithTheMessage() {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(BookingOnly.class)
                .withPropertyValues("connectify.booking.hold-sweep-interval=0s")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("connectify.booking.hold-sweep-interval must be longer than 0"));
    }

    @Test
    void theRemovedMoveTimeoutStopsTheStartRatherThanBeingIgnored() {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(BookingOnly.class)
                .withPropertyValues("connectify.booking.move-timeout=15m")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("connectify.booking.move-timeout is no longer a setting"));
    }

    @EnableConfigurationProperties(BookingProperties.class)
    static class BookingOnly {
    }

    /**
     * A lead time shorter than the hold stops the start, naming both: with min-lead-time 5m and hold 15m, a slot 6
     * minutes ahead was booked with a hold ending 9 minutes after its start, and a payment made within the hold was
     * refunded as paid after the start. A lead time as long as the hold starts.
     */
    @Test
    void aLeadTimeShorterThanTheHoldStopsTheStart() {
        holdAndLeadTime().withPropertyValues("connectify.availability.min-lead-time=5m", "connectify.booking.hold=15m")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("connectify.availability.min-lead-time (PT5M) must be at least "
                                + "connectify.booking.hold (PT15M)"));
        holdAndLeadTime().withPropertyValues("connectify.availability.min-lead-time=15m",
                "connectify.booking.hold=15m").run(context -> assertThat(context).hasNotFailed());
        holdAndLeadTime().run(context -> assertThat(context).hasNotFailed()); // the defaults: 2h and 15m
    }

    private static ApplicationContextRunner holdAndLeadTime() {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(HoldAndLeadTimeOnly.class);
    }

    @EnableConfigurationProperties({BookingProperties.class, AvailabilityProperties.class})
    @Import(HoldWithinLeadTime.class)
    static class HoldAndLeadTimeOnly {
    }

    /** A free tier's Checkout confirms no booking (payment_status no_payment_required): the start fails instead. */
    @Test
    void aPriceTierThatCostsNothingStopsTheStart() {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(PricingOnly.class)
                .withPropertyValues("connectify.pricing.tiers[0].min-minutes=15",
                        "connectify.pricing.tiers[0].max-minutes=30", "connectify.pricing.tiers[0].amount=0")
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("connectify.pricing.tiers")
                        .hasMessageContaining("the amount must be at least 1"));
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(PricingOnly.class)
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(PriceTable.class));
    }

    @EnableConfigurationProperties({PricingProperties.class, AvailabilityProperties.class})
    @Import(BookingConfig.class)
    static class PricingOnly {
    }

    /**
     * Two property classes, so checked as the lease's beans are made, not as either is bound. Defaults: lease-ttl 10s,
     * heartbeat 2s, lock-timeout 2s.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "connectify.cluster.lease-ttl=4s, connectify.cluster.heartbeat=2s, PT4S, PT2S, PT2S",
            "connectify.database.lock-timeout=8s, connectify.cluster.lease-ttl=10s, PT10S, PT8S, PT2S",
            // each well below the lease, which the heartbeat's own check takes
            "connectify.database.lock-timeout=7s, connectify.cluster.heartbeat=3s, PT10S, PT7S, PT3S"})
    void aLeaseNoLongerThanTheLockTimeoutAndAHeartbeatStopsTheStart(String one, String other, String leaseTtl,
                                                                    String lockTimeout, String heartbeat) {
        cluster().withPropertyValues(one, other)
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("connectify.cluster.lease-ttl (" + leaseTtl + ") must be longer than "
                                + "connectify.database.lock-timeout (" + lockTimeout + ") + "
                                + "connectify.cluster.heartbeat (" + heartbeat + ")"));
    }

    /**
     * The singleton routes' sweeps take an item only while more than lock-timeout + heartbeat is left of the lease
     * since its last renewal, and the leader renews it a heartbeat after the last: a lease no longer than
     * lock-timeout + 2 x heartbeat stopped every sweep early for part of each renewal cycle, and was taken. It stops
     * the start, naming the properties and the shortest lease.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            // was taken: just longer than lock-timeout + heartbeat
            "connectify.cluster.lease-ttl=4001ms, connectify.cluster.heartbeat=2s, PT4.001S, PT2S, PT2S, PT6S",
            "connectify.cluster.lease-ttl=6s, connectify.cluster.heartbeat=2s, PT6S, PT2S, PT2S, PT6S",
            "connectify.database.lock-timeout=5s, connectify.cluster.lease-ttl=8s, PT8S, PT5S, PT2S, PT9S",
            "connectify.cluster.heartbeat=3s, connectify.cluster.lease-ttl=7s, PT7S, PT2S, PT3S, PT8S"})
    void aLeaseWithinAHeartbeatOfTheGiveUpMarginStopsTheStart(String one, String other, String leaseTtl,
                                                              String lockTimeout, String heartbeat, String shortest) {
        cluster().withPropertyValues(one, other)
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("connectify.cluster.lease-ttl (" + leaseTtl + ") must be longer than "
                                + "connectify.database.lock-timeout (" + lockTimeout + ") + 2 x "
                                + "connectify.cluster.heartbeat (" + heartbeat + ") = " + shortest)
                        .hasMessageContaining("every sweep would stop early"));
    }

    @Test
    void aLeaseJustLongerThanTheLockTimeoutAndTwoHeartbeatsIsTaken() {
        cluster().withPropertyValues("connectify.cluster.lease-ttl=6001ms")
                .run(context -> assertThat(context).hasNotFailed());
        cluster().withPropertyValues("connectify.database.lock-timeout=5s", "connectify.cluster.heartbeat=3s",
                "connectify.cluster.lease-ttl=11001ms").run(context -> assertThat(context).hasNotFailed());
        cluster().run(context -> assertThat(context).hasNotFailed()); // the defaults: 10s against 2s + 2 x 2s
    }

    /** The lease's beans, as the hub makes them at start, on an in-memory H2 holding the lease table. */
    private static ApplicationContextRunner cluster() {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(ClusterOnly.class);
    }

    @EnableConfigurationProperties({ClusterProperties.class, DatabaseProperties.class})
    @Import(ClusterConfig.class)
    static class ClusterOnly {

        @Bean
        DataSource dataSource() {
            return new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2).generateUniqueName(true)
                    .addScript("db/migration/V6__cluster_leases.sql").build();
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        CamelContext camelContext() {
            return new DefaultCamelContext();
        }
    }

    static Stream<Arguments> liveRedirectUrls() {
        List<Arguments> cases = new ArrayList<>();
        for (String property : List.of("connectify.stripe.success-url", "connectify.stripe.cancel-url",
                "connectify.payrexx.success-url", "connectify.payrexx.failed-url", "connectify.payrexx.cancel-url")) {
            for (String value : List.of("", "not a url {bookingId}", "ftp://x/{bookingId}", "/booking/{bookingId}")) {
                cases.add(Arguments.of(property, value));
            }
        }
        return cases.stream();
    }

    /**
     * A live provider's redirect URLs are absolute http(s) URLs once {bookingId} is put in, or the start stops naming
     * the property: before, '', 'not a url' and 'ftp://' were taken and failed at the first customer's payment.
     */
    @ParameterizedTest(name = "{0}=''{1}''")
    @MethodSource("liveRedirectUrls")
    void aLiveProvidersRedirectUrlThatIsNoHttpUrlStopsTheStart(String property, String value) {
        Class<?> type = property.startsWith("connectify.stripe") ? StripeProperties.class : PayrexxProperties.class;

        assertThatThrownBy(() -> bind(prefixOf(type), type, Map.of(property, value, "connectify.stripe.secret-key",
                "sk_test_x", "connectify.payrexx.api-key", "k")))
                .satisfies(e -> assertThat(Throwables.getRootCause(e))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(property)
                        .hasMessageContaining("absolute http or https URL"));
    }

    @Test
    void liveRedirectUrlsWithTheBookingsIdAreTakenAndTheSandboxChecksNone() throws IOException {
        StripeProperties stripe = bind("connectify.stripe", StripeProperties.class, Map.of(
                "connectify.stripe.secret-key", "sk_test_x",
                "connectify.stripe.success-url", "https://shop.example/booking/{bookingId}/paid?from=stripe",
                "connectify.stripe.cancel-url", "http://shop.example/cancelled"));
        assertThat(stripe.successUrl()).isEqualTo("https://shop.example/booking/{bookingId}/paid?from=stripe");
        // Stripe's own template variable, which Stripe fills in (the success page gets the session's id)
        assertThat(bind("connectify.stripe", StripeProperties.class, Map.of(
                "connectify.stripe.secret-key", "sk_test_x",
                "connectify.stripe.success-url",
                "https://shop.example/booking/{bookingId}/paid?session_id={CHECKOUT_SESSION_ID}")).successUrl())
                .endsWith("session_id={CHECKOUT_SESSION_ID}");
        // the defaults (localhost, a WARN at start) are taken
        assertThat(bind("connectify.payrexx", PayrexxProperties.class, Map.of("connectify.payrexx.api-key", "k"))
                .live()).isTrue();
        // unused in sandbox
        assertThat(bind("connectify.payrexx", PayrexxProperties.class, Map.of("connectify.payrexx.success-url",
                "not a url")).live()).isFalse();
    }

    /**
     * A configuration error found as a bean is made ends the start in Spring Boot's one block (description naming the
     * property, action), with no stack: before, "Application run failed" and six or seven nested causes, 90-190
     * lines, the hub's message in the last.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("beanConfigurationErrors")
    void aConfigurationErrorFoundAsABeanIsMadeIsOneDescriptionAndAction(String name, Class<?> configuration,
            List<String> properties, List<String> description, String action, CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(configuration).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off").run(properties.toArray(String[]::new)))
                .hasRootCauseInstanceOf(ConfigurationError.class);

        assertThat(output.getAll()).contains("APPLICATION FAILED TO START");
        String report = output.getAll().substring(output.getAll().lastIndexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains("Description:").contains("Action:").contains(action)
                .doesNotContain("Caused by").doesNotContain("\tat ");
        for (String part : description) {
            assertThat(report).contains(part);
        }
        assertThat(output.getAll()).doesNotContain("Application run failed");
    }

    static Stream<Arguments> beanConfigurationErrors() throws IOException {
        Path brokenKey = Files.writeString(Files.createTempFile("gcal-key", ".json"), "not json");
        brokenKey.toFile().deleteOnExit();
        return Stream.of(
                Arguments.of("Stripe without webhook secrets", StripeOnly.class,
                        List.of("--connectify.stripe.secret-key=sk_test_x", "--connectify.stripe.webhook-secrets="),
                        List.of("connectify.stripe.secret-key is set but connectify.stripe.webhook-secrets is empty"),
                        "CONNECTIFY_STRIPE_WEBHOOKSECRETS"),
                Arguments.of("Payrexx without webhook token", PayrexxOnly.class,
                        List.of("--connectify.payrexx.api-key=k", "--connectify.payrexx.instance-name=shop"),
                        List.of("connectify.payrexx.api-key is set but connectify.payrexx.webhook-token is not set"),
                        "CONNECTIFY_PAYREXX_WEBHOOKTOKEN"),
                payrexxWithToken("a short webhook token", "short",
                        "connectify.payrexx.webhook-token is shorter than 16 characters"),
                // a base64 token with a "/" (or a "?", "#", "%") is no one path segment: no delivery could match
                payrexxWithToken("a webhook token holding a slash", "abcdefgh/ijklmnop+q=",
                        "connectify.payrexx.webhook-token holds characters other than letters, digits"),
                payrexxWithToken("a webhook token holding a question mark", "abcdefghijklmnop?x",
                        "connectify.payrexx.webhook-token holds characters other than letters, digits"),
                // Tomcat strips a ";" and what follows as a path parameter
                payrexxWithToken("a webhook token holding a semicolon", "abcdefghijklmnop;x=1",
                        "connectify.payrexx.webhook-token holds characters other than letters, digits"),
                // each missing Twilio setting named, and only those
                Arguments.of("Twilio incomplete", TwilioOnly.class,
                        List.of("--connectify.twilio.account-sid=AC1", "--connectify.twilio.api-key-sid=SK1",
                                "--connectify.twilio.from-number=+41790000000"),
                        List.of("connectify.twilio.account-sid is set but connectify.twilio.api-key-secret "
                                + "(CONNECTIFY_TWILIO_APIKEYSECRET), connectify.twilio.auth-token "
                                + "(CONNECTIFY_TWILIO_AUTHTOKEN) are not"), "CONNECTIFY_TWILIO_AUTHTOKEN"),
                Arguments.of("Twilio without a sender", TwilioOnly.class,
                        List.of("--connectify.twilio.account-sid=AC1", "--connectify.twilio.api-key-sid=SK1",
                                "--connectify.twilio.api-key-secret=s", "--connectify.twilio.auth-token=t"),
                        List.of("connectify.twilio.from-number or messaging-service-sid", " is not"),
                        "CONNECTIFY_TWILIO_MESSAGINGSERVICESID"),
                // live SendGrid with the default sender (a reserved domain), another reserved one, or none: before,
                // it started, and every email then failed at SendGrid
                sendGridFrom("the default sender", "bookings@connectify.example",
                        "connectify.sendgrid.from-email is 'bookings@connectify.example', on a domain reserved"),
                sendGridFrom("a sender at example.com", "Hub@Mail.Example.COM",
                        "connectify.sendgrid.from-email is 'Hub@Mail.Example.COM', on a domain reserved"),
                sendGridFrom("a sender at .test", "hub@shop.test",
                        "connectify.sendgrid.from-email is 'hub@shop.test', on a domain reserved"),
                sendGridFrom("no sender", " ", "connectify.sendgrid.api-key is set but connectify.sendgrid.from-email"
                        + " is not set"),
                // the notification texts, checked as the hub starts: before, only as a paid booking's notice was planned
                Arguments.of("notification texts that do not render", TemplatesOnly.class, List.of(),
                        List.of("The notification texts cannot be rendered (5 problems)",
                                "template-check/broken/messages_de.properties: confirmation.sms does not parse"),
                        "template-check/broken/messages*.properties"),
                Arguments.of("Google key that does not parse", GoogleOnly.class,
                        List.of("--connectify.gcal.key-path=" + brokenKey),
                        List.of("connectify.gcal.key-path does not hold a Google service-account key that parses"),
                        "CONNECTIFY_GCAL_KEYPATH"),
                Arguments.of("live provider without API keys", ApiKeysOnly.class, List.of(),
                        List.of("Providers [stripe] are live but connectify.security.api-keys and admin-keys are empty"),
                        "CONNECTIFY_SECURITY_APIKEYS"),
                // below: checks that threw an IllegalArgumentException as their bean was made, before a stack of
                // nested causes, 90-190 lines
                Arguments.of("price tier that costs nothing", PricingOnly.class,
                        List.of("--connectify.pricing.tiers[0].min-minutes=15",
                                "--connectify.pricing.tiers[0].max-minutes=30",
                                "--connectify.pricing.tiers[0].amount=0"),
                        List.of("Invalid price tier", "connectify.pricing.tiers", "the amount must be at least 1"),
                        "CONNECTIFY_PRICING_TIERS"),
                Arguments.of("overlapping price tiers", PricingOnly.class,
                        List.of("--connectify.pricing.tiers[0].min-minutes=15",
                                "--connectify.pricing.tiers[0].max-minutes=60",
                                "--connectify.pricing.tiers[0].amount=100",
                                "--connectify.pricing.tiers[1].min-minutes=30",
                                "--connectify.pricing.tiers[1].max-minutes=90",
                                "--connectify.pricing.tiers[1].amount=200"),
                        List.of("connectify.pricing.tiers overlap"), "CONNECTIFY_PRICING_TIERS"),
                Arguments.of("currency not ISO 4217", PricingOnly.class,
                        List.of("--connectify.pricing.currency=chf"),
                        List.of("connectify.pricing.currency must be an ISO 4217 code"),
                        "CONNECTIFY_PRICING_CURRENCY"),
                Arguments.of("working hours past midnight", PricingOnly.class,
                        List.of("--connectify.availability.working-hours.monday[0]=22:00-02:00"),
                        List.of("Working hours of MONDAY cannot run past midnight"),
                        "CONNECTIFY_AVAILABILITY_WORKINGHOURS"),
                Arguments.of("lead time shorter than the hold", HoldAndLeadTimeOnly.class,
                        List.of("--connectify.availability.min-lead-time=5m"),
                        List.of("connectify.availability.min-lead-time (PT5M) must be at least connectify.booking.hold "
                                + "(PT15M)"), "CONNECTIFY_BOOKING_HOLD"),
                Arguments.of("claim max age shorter than the longest request", LongestRequestOnly.class,
                        List.of("--connectify.resilience.providers.google-calendar.retry.max-attempts=20"),
                        List.of("connectify.http.idempotency-claim-max-age (PT20M) must be at least the longest "
                                + "request"),
                        "CONNECTIFY_HTTP_IDEMPOTENCYCLAIMMAXAGE"),
                Arguments.of("lease within the lock timeout and a heartbeat", ClusterOnly.class,
                        List.of("--connectify.cluster.lease-ttl=4s"),
                        List.of("connectify.cluster.lease-ttl (PT4S) must be longer than "
                                + "connectify.database.lock-timeout"),
                        "CONNECTIFY_DATABASE_LOCKTIMEOUT"),
                Arguments.of("starting Retry-After of 0", FiltersOnly.class,
                        List.of("--connectify.http.starting-retry-after=0s"),
                        List.of("connectify.http.starting-retry-after must be longer than 0"),
                        "CONNECTIFY_HTTP_STARTINGRETRYAFTER"),
                Arguments.of("webhook body limit of 0", FiltersOnly.class,
                        List.of("--connectify.webhooks.max-body-bytes=0"),
                        List.of("connectify.webhooks.max-body-bytes must be at least 1"),
                        "CONNECTIFY_WEBHOOKS_MAXBODYBYTES"),
                // bound at start: was Spring Boot's bind report, "Reason: java.lang.IllegalArgumentException: ..." and
                // the action "Update your application's configuration"
                Arguments.of("timer interval of 0, as it is bound", BookingOnly.class,
                        List.of("--connectify.booking.hold-sweep-interval=0s"),
                        List.of("connectify.booking.hold-sweep-interval must be longer than 0"),
                        "CONNECTIFY_BOOKING_HOLDSWEEPINTERVAL"));
    }

    @Import({RoutesNotStartedFilter.class, BodySizeLimitFilter.class, ProblemResponder.class})
    static class FiltersOnly {

        @Bean
        ObjectMapper objectMapper() {
            return new ObjectMapper();
        }
    }

    /** Payrexx live with that webhook token: refused with that description, the action naming the variable and how. */
    private static Arguments payrexxWithToken(String name, String token, String description) {
        return Arguments.of("Payrexx with " + name, PayrexxOnly.class, List.of("--connectify.payrexx.api-key=k",
                "--connectify.payrexx.instance-name=shop", "--connectify.payrexx.webhook-token=" + token),
                List.of(description, "`openssl rand -hex 32`"), "CONNECTIFY_PAYREXX_WEBHOOKTOKEN");
    }

    @EnableConfigurationProperties(StripeProperties.class)
    @Import({StripeConfig.class, HubAddress.class})
    static class StripeOnly {

        @Bean
        Clock clock() {
            return Clock.systemUTC();
        }
    }

    @EnableConfigurationProperties(PayrexxProperties.class)
    @Import({PayrexxConfig.class, HubAddress.class})
    static class PayrexxOnly {
    }

    @EnableConfigurationProperties(TwilioProperties.class)
    @Import({NotificationConfig.class, HubAddress.class, Outbox.class})
    static class TwilioOnly {
    }

    /** Live SendGrid (Twilio live too, as NotificationConfig makes both) with that sender. */
    private static Arguments sendGridFrom(String name, String from, String description) {
        return Arguments.of("SendGrid with " + name, SendGridOnly.class, List.of("--connectify.sendgrid.api-key=SG.x",
                "--connectify.sendgrid.from-email=" + from, "--connectify.twilio.account-sid=AC1",
                "--connectify.twilio.api-key-sid=SK1", "--connectify.twilio.api-key-secret=s",
                "--connectify.twilio.auth-token=t", "--connectify.twilio.from-number=+41790000000"),
                List.of(description), "CONNECTIFY_SENDGRID_FROMEMAIL");
    }

    @EnableConfigurationProperties({TwilioProperties.class, SendGridProperties.class})
    @Import({NotificationConfig.class, HubAddress.class, Outbox.class})
    static class SendGridOnly {
    }

    static class TemplatesOnly {

        @Bean
        NotificationTemplateCheck brokenTexts() {
            return new NotificationTemplateCheck("template-check/broken/messages", List.of("confirmation"));
        }
    }

    @EnableConfigurationProperties(GoogleCalendarProperties.class)
    @Import(GoogleCalendarConfig.class)
    static class GoogleOnly {
    }

    @EnableConfigurationProperties(SecurityProperties.class)
    @Import({ApiKeys.class, ProviderModes.class})
    static class ApiKeysOnly {

        @Bean
        ProviderMode stripeMode() {
            return new ProviderMode("stripe", true);
        }
    }

    @Test
    void theAnalysisIsTheErrorsDescriptionAndAction() {
        var error = new ConfigurationError("connectify.x is wrong", "Set CONNECTIFY_X.");
        var analysis = new ConfigurationErrorAnalyzer().analyze(new IllegalStateException("outer",
                new RuntimeException("middle", error)));

        assertThat(analysis.getDescription()).isEqualTo("connectify.x is wrong");
        assertThat(analysis.getAction()).isEqualTo("Set CONNECTIFY_X.");
        assertThat(new ConfigurationErrorAnalyzer().analyze(new IllegalStateException("unrelated"))).isNull();
    }

    private static Arguments refused(Class<?> type, String property, String value) {
        return Arguments.of(type, property, value);
    }

    private static String prefixOf(Class<?> type) {
        return type.getAnnotation(org.springframework.boot.context.properties.ConfigurationProperties.class).value();
    }

    private static <T> T bind(String prefix, Class<T> type, Map<String, Object> overrides) throws IOException {
        List<PropertySource<?>> sources = new ArrayList<>();
        sources.add(new MapPropertySource("overrides", overrides));
        sources.addAll(new YamlPropertySourceLoader().load("application.yaml",
                new ClassPathResource("application.yaml")));
        return new Binder(ConfigurationPropertySources.from(sources)).bind(prefix, type).get();
    }
}
