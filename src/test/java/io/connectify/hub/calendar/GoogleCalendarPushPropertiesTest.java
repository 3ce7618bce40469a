package io.connectify.hub.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * connectify.gcal.push.* as bound at start over application.yaml: off by default; on, without its address or token,
 * or with values it cannot work with, the start stops with a message naming the property and never the token.
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
            "connectify.gcal.push.mass-deletion-threshold=0 | connectify.gcal.push.enabled=false | connectify.gcal.push.mass-deletion-threshold must be at least 1"})
    void aConfigurationPushCannotWorkWithStopsTheStart(String one, String other, String message) {
        hub.withPropertyValues("connectify.gcal.push.enabled=true", one.trim(), other.trim())
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining(message.trim())
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN)));
    }

    @EnableConfigurationProperties(GoogleCalendarPushProperties.class)
    static class PushOnly {
    }
}
