package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.time.Clock;

import io.connectify.hub.ConfigurationError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Import;

/**
 * connectify.gcal.push.* as bound at start over application.yaml: off by default; on, without its address or token,
 * or with values it cannot work with, or with Google Calendar in sandbox, the start stops with a message naming the
 * property and never the token.
 */
class GoogleCalendarPushPropertiesTest {

    private static final String TOKEN = "push-token-0123456789abcdef";

    private final ApplicationContextRunner hub = new ApplicationContextRunner()
            .withInitializer(new ConfigDataApplicationContextInitializer())
            .withUserConfiguration(PushOnly.class);

    @Test
    void pushIsOffByDefaultAndNeedsNothingThen() {
        hub.run(context -> {
            assertThat(context).hasNotFailed();
            GoogleCalendarPushProperties push = context.getBean(GoogleCalendarPushProperties.class);
            assertThat(push.enabled()).isFalse();
            assertThat(push.channelTtl()).hasDays(7);
            assertThat(push.renewBefore()).hasDays(1);
            assertThat(push.massDeletionThreshold()).isEqualTo(5);
            assertThat(push.firstSyncWithin()).hasMinutes(10);
            assertThat(push.firstSyncWithinMax()).hasHours(2);
        });
    }

    @Test
    void enabledWithAnHttpsAddressAndATokenStarts() {
        hub.withPropertyValues("connectify.gcal.push.enabled=true",
                        "connectify.gcal.push.address=https://hub.example.com/webhooks/google-calendar",
                        "connectify.gcal.push.token=" + TOKEN)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(GoogleCalendarPushProperties.class).toString()).doesNotContain(TOKEN);
                });
    }

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', value = {
            // enabled without a token
            "connectify.gcal.push.address=https://hub.example.com/webhooks/google-calendar | connectify.gcal.push.enabled=true | connectify.gcal.push.token must be set",
            // enabled without an address
            "connectify.gcal.push.token=" + TOKEN + " | connectify.gcal.push.enabled=true | connectify.gcal.push.address must be set",
            // Google calls https only; plain http only to this machine (tests)
            "connectify.gcal.push.token=" + TOKEN + " | connectify.gcal.push.address=http://hub.example.com/webhooks/google-calendar | connectify.gcal.push.address must be an https URL",
            "connectify.gcal.push.token=short | connectify.gcal.push.address=https://hub.example.com/webhooks/google-calendar | connectify.gcal.push.token must be 16 to 256",
            "connectify.gcal.push.renew-before=7d | connectify.gcal.push.channel-ttl=7d | connectify.gcal.push.renew-before must be shorter",
            "connectify.gcal.push.renew-interval=1d | connectify.gcal.push.renew-before=1d | connectify.gcal.push.renew-interval must be shorter",
            "connectify.gcal.push.renew-interval=0s | connectify.gcal.push.enabled=false | connectify.gcal.push.renew-interval must be longer than 0",
            // the renewal's timer ticks at watch-retry-interval, and looks every renew-interval
            "connectify.gcal.push.watch-retry-interval=2h | connectify.gcal.push.renew-interval=1h | connectify.gcal.push.watch-retry-interval must not be longer than connectify.gcal.push.renew-interval",
            "connectify.gcal.push.watch-retry-interval=0s | connectify.gcal.push.enabled=false | connectify.gcal.push.watch-retry-interval must be longer than 0",
            "connectify.gcal.push.first-sync-within=0s | connectify.gcal.push.enabled=false | connectify.gcal.push.first-sync-within must be longer than 0",
            "connectify.gcal.push.first-sync-within-max=0s | connectify.gcal.push.enabled=false | connectify.gcal.push.first-sync-within-max must be longer than 0",
            // the most the first-sync wait doubles to
            "connectify.gcal.push.first-sync-within-max=5m | connectify.gcal.push.first-sync-within=10m | connectify.gcal.push.first-sync-within-max must not be shorter than connectify.gcal.push.first-sync-within",
            "connectify.gcal.push.mass-deletion-threshold=0 | connectify.gcal.push.enabled=false | connectify.gcal.push.mass-deletion-threshold must be at least 1"})
    void aConfigurationPushCannotWorkWithStopsTheStart(String one, String other, String message) {
        hub.withPropertyValues("connectify.gcal.push.enabled=true", one.trim(), other.trim())
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining(message.trim())
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN)));
    }

    /**
     * Push and Google Calendar are two property classes: whether Google is live is checked as the channel renewal is
     * made, which a start with push on makes. In sandbox there is no Google to open a channel on, nor one to call the
     * hub.
     */
    @Test
    void enabledWithGoogleCalendarInSandboxStopsTheStart() {
        renewal().withPropertyValues(enabled())
                .run(context -> assertThat(context).getFailure().rootCause()
                        .isInstanceOf(ConfigurationError.class)
                        .hasMessageContaining("connectify.gcal.push.enabled needs a live Google Calendar "
                                + "(connectify.gcal.key-path)")
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN)));
    }

    @Test
    void enabledWithGoogleCalendarLiveOrOffInSandboxStarts() {
        renewal().withPropertyValues(enabled())
                .withPropertyValues("connectify.gcal.key-path=/run/secrets/gcal-key.json")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(PushChannelRenewal.class));
        renewal().run(context -> assertThat(context).hasNotFailed().hasSingleBean(PushChannelRenewal.class));
    }

    private static String[] enabled() {
        return new String[] {"connectify.gcal.push.enabled=true",
                "connectify.gcal.push.address=https://hub.example.com/webhooks/google-calendar",
                "connectify.gcal.push.token=" + TOKEN};
    }

    /** The channel renewal as the hub makes it at start; Google, the channels' table and the meters stand-ins. */
    private static ApplicationContextRunner renewal() {
        return new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(PushRenewalOnly.class)
                .withBean(GoogleCalendarGateway.class, () -> mock(GoogleCalendarGateway.class))
                .withBean(PushChannelRepository.class, () -> mock(PushChannelRepository.class))
                .withBean(PushMetrics.class, () -> mock(PushMetrics.class))
                .withBean(Clock.class, Clock::systemUTC);
    }

    @EnableConfigurationProperties(GoogleCalendarPushProperties.class)
    static class PushOnly {
    }

    @EnableConfigurationProperties({GoogleCalendarPushProperties.class, GoogleCalendarProperties.class})
    @Import(PushChannelRenewal.class)
    static class PushRenewalOnly {
    }
}
