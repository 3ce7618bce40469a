package io.connectify.hub.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.booking.BookingSaga;
import org.junit.jupiter.api.Test;

/**
 * The notification texts are checked as the hub starts, for every kind the saga plans and every language on the
 * classpath: before, a broken text threw only once a paid booking's confirmation was planned (its SMS and email both
 * lost, the event a dead letter), and a key missing in one language was sent in English with that language's date.
 */
class NotificationTemplateCheckTest {

    private static final List<String> CONFIRMATION = List.of("confirmation");

    @Test
    void theHubsOwnTextsPassForEveryKindTheSagaPlans() {
        assertThat(NotificationTemplateCheck.problems(NotificationTemplates.BASENAME, BookingSaga.NOTICE_KINDS))
                .isEmpty();
        new NotificationTemplateCheck();
    }

    @Test
    void aBrokenOrMissingTextStopsTheStartNamingItsFileKeyAndProblem() {
        assertThatThrownBy(() -> new NotificationTemplateCheck("template-check/broken/messages", CONFIRMATION))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("(5 problems)")
                .hasMessageContaining("template-check/broken/messages.properties: confirmation.email.body has a "
                        + "single apostrophe that quotes a placeholder")
                .hasMessageContaining("template-check/broken/messages_de.properties: confirmation.sms does not parse "
                        + "as a MessageFormat (can't parse argument number: name)")
                .hasMessageContaining("messages_de.properties: confirmation.email.subject does not parse as a "
                        + "MessageFormat (can't parse argument number: O)")
                .hasMessageContaining("messages_de.properties: confirmation.email.body uses {12}: the texts are given "
                        + "{0} to {9} only")
                .hasMessageContaining("messages_de.properties: default-summary is missing")
                .satisfies(e -> assertThat(((ConfigurationError) e).action())
                        .contains("template-check/broken/messages*.properties"));
    }

    @Test
    void aKindWithoutItsTextsInEnglishIsNamed() {
        assertThat(NotificationTemplateCheck.problems("template-check/sound/messages", List.of("confirmation",
                "refund"))).containsExactly(
                "template-check/sound/messages.properties: refund.sms is missing (it would be rendered in English, "
                        + "with this language's date and amount)",
                "template-check/sound/messages.properties: refund.email.subject is missing (it would be rendered in "
                        + "English, with this language's date and amount)",
                "template-check/sound/messages.properties: refund.email.body is missing (it would be rendered in "
                        + "English, with this language's date and amount)",
                "template-check/sound/messages_de.properties: refund.sms is missing (it would be rendered in English, "
                        + "with this language's date and amount)",
                "template-check/sound/messages_de.properties: refund.email.subject is missing (it would be rendered "
                        + "in English, with this language's date and amount)",
                "template-check/sound/messages_de.properties: refund.email.body is missing (it would be rendered in "
                        + "English, with this language's date and amount)",
                "template-check/sound/messages_de_CH.properties: refund.sms is missing (it would be rendered in "
                        + "English, with this language's date and amount)",
                "template-check/sound/messages_de_CH.properties: refund.email.subject is missing (it would be "
                        + "rendered in English, with this language's date and amount)",
                "template-check/sound/messages_de_CH.properties: refund.email.body is missing (it would be rendered "
                        + "in English, with this language's date and amount)");
        // a regional file takes its language's texts for the keys it does not have
        assertThat(NotificationTemplateCheck.problems("template-check/sound/messages", CONFIRMATION)).isEmpty();
    }

    /** MessageFormat takes a single apostrophe as the start of a quote: the placeholders after it are sent as written. */
    @Test
    void aSingleApostropheBeforeAPlaceholderIsNamedAndADoubledOneIsNot() {
        assertThat(NotificationTemplateCheck.problem("Hello {0}, {9}", java.util.Locale.GERMAN)).isNull();
        assertThat(NotificationTemplateCheck.problem("It''s {1}", java.util.Locale.ENGLISH)).isNull();
        assertThat(NotificationTemplateCheck.problem("It's {1}", java.util.Locale.ENGLISH))
                .startsWith("has a single apostrophe");
    }
}
