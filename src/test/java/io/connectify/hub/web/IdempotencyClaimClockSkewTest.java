package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import io.connectify.hub.support.Database;
import io.connectify.hub.support.EmbeddedPostgresDatabase;
import io.connectify.hub.support.SkewedInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;

/**
 * Two instances sharing the Idempotency-Key claims, one with a clock far off (an hour; a claim holds
 * connectify.http.idempotency-claim-timeout, here 2 s, unrenewed): a live claim is not taken over, and one left
 * unrenewed is, once the claim timeout has passed by the database's clock. On both databases the hub runs on.
 * <p>
 * Each instance is the hub's idempotency beans as the hub scans them, with the hub's {@code Clock} (the one every
 * other bean reads) off by the skew. Before the claims' times were the database's, an instance wrote and compared
 * them with that clock: one an hour ahead found a claim made a moment ago an hour old and took it over (the request
 * ran twice), and an instance an hour behind wrote claims the others took over at once.
 */
class IdempotencyClaimClockSkewTest {

    private static final Duration SKEW = Duration.ofHours(1);
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(2);
    private static final String CALLER = "caller";
    private static final String TARGET = "POST /api/v1/notifications/sms";
    @RegisterExtension
    static final EmbeddedPostgresDatabase postgres = new EmbeddedPostgresDatabase();
    @TempDir
    static Path h2Directory;

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void anInstanceWhoseClockRunsAheadDoesNotTakeOverALiveClaim(Database database) {
        onlyAnUnrenewedClaimIsTakenOver(database, "ahead", Duration.ZERO, SKEW);
    }

    @ParameterizedTest(name = "on {0}")
    @EnumSource
    void theClaimOfAnInstanceWhoseClockRunsBehindIsNotTakenOverWhileLive(Database database) {
        onlyAnUnrenewedClaimIsTakenOver(database, "behind", SKEW.negated(), Duration.ZERO);
    }

    private static void onlyAnUnrenewedClaimIsTakenOver(Database database, String key, Duration claimerSkew,
                                                         Duration repeaterSkew) {
        instance(database, claimerSkew).run(claimer -> instance(database, repeaterSkew).run(repeater -> {
            var claimed = claimer.getBean(IdempotentRequests.class).claim(CALLER, key, TARGET, "fingerprint");
            assertThat(claimed.claim()).isNotNull();

            var repeat = repeater.getBean(IdempotentRequests.class).claim(CALLER, key, TARGET, "fingerprint");
            assertThat(repeat.claim()).as("a live claim, made a moment ago: held").isNull();

            // nothing renews the claim here: it is taken over once the claim timeout has passed
            await().atMost(CLAIM_TIMEOUT.plusSeconds(5)).until(() -> repeater.getBean(IdempotentRequests.class)
                    .claim(CALLER, key, TARGET, "fingerprint").claim() != null);
        }));
    }

    private static ApplicationContextRunner instance(Database database, Duration skew) {
        return SkewedInstance.on(database, h2Directory, postgres, skew, IdempotencyBeans.class)
                .withPropertyValues("connectify.http.idempotency-claim-renewal=500ms",
                        "connectify.http.idempotency-claim-timeout=" + CLAIM_TIMEOUT.toMillis() + "ms");
    }

    /** The idempotency beans of the web package, as the hub's component scan finds them. */
    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(HttpProperties.class)
    @ComponentScan(basePackageClasses = IdempotentRequests.class, useDefaultFilters = false,
            includeFilters = @ComponentScan.Filter(type = FilterType.REGEX,
                    pattern = "io\\.connectify\\.hub\\.web\\.(IdempotentRequests|IdempotencyClaimClockConfig)"))
    static class IdempotencyBeans {
    }
}
