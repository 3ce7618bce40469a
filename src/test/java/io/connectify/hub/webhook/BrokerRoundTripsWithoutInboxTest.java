package io.connectify.hub.webhook;

import org.springframework.test.context.TestPropertySource;

/**
 * The same round trips with the webhook inbox off, as in the scale-out profile: each webhook is then sent from its
 * request thread, on that thread's cached session, and its 200 waits for the broker's answer.
 */
@TestPropertySource(properties = "connectify.webhooks.inbox.enabled=false")
class BrokerRoundTripsWithoutInboxTest extends BrokerRoundTripsTest {
}
