package io.connectify.hub.payment.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README's {@code connectify.stripe.webhook-secrets} row tells operators which events to subscribe the Stripe
 * endpoint to: an event the router acts on but the row leaves out is never sent by an endpoint set up from it
 * (before, {@code payment_intent.processing} was missing, so a delayed payment's slot was not held while it settled).
 */
class StripeWebhookEventsDocumentedTest {

    private static final Pattern ONE = Pattern.compile("\\$\\{header\\.eventType} == '([a-z_.]+)'");
    private static final Pattern SOME = Pattern.compile("\\$\\{header\\.eventType} in '([a-z_.,]+)'");
    private static final Pattern NAMED = Pattern.compile("`([a-z_]+(?:\\.[a-z_]+)+)`");

    @Test
    void theWebhookSecretsRowNamesEveryEventTheRouterActsOn() throws IOException {
        String routes = Files.readString(Path.of("src/main/resources/routes/payment-events.camel.yaml"));
        Set<String> routed = new TreeSet<>();
        Matcher one = ONE.matcher(routes);
        while (one.find()) {
            routed.add(one.group(1));
        }
        Matcher some = SOME.matcher(routes);
        while (some.find()) {
            routed.addAll(Set.of(some.group(1).split(",")));
        }
        String row = Files.readAllLines(Path.of("README.md")).stream()
                .filter(line -> line.startsWith("| `connectify.stripe.webhook-secrets` |"))
                .findFirst().orElseThrow();
        Set<String> documented = new TreeSet<>();
        Matcher named = NAMED.matcher(row);
        while (named.find()) {
            documented.add(named.group(1));
        }

        assertThat(routed).contains("checkout.session.completed", "payment_intent.processing", "charge.refunded");
        assertThat(documented).containsAll(routed);
    }
}
