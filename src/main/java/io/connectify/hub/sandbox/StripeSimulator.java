package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stripe's API for the calls the hub makes (Checkout Sessions, PaymentIntents, Refunds: form-encoded requests,
 * JSON objects, Stripe's error shape; a PaymentIntent it made, created or by a session's payment, read back with its
 * metadata, 404 for another; a session read back; refunds refused where Stripe refuses them) and Stripe's webhooks
 * ({@link StripeEventSender}): opening a session's URL pays it and sends {@code checkout.session.completed}; a
 * PaymentIntent confirmed as the customer's browser confirms it ({@code POST /v1/payment_intents/{id}/confirm} with
 * the publishable key and its client_secret) is paid and sends {@code charge.succeeded}, then
 * {@code payment_intent.succeeded}; a refund sends {@code charge.refunded}, the Charge as refunded now.
 */
public class StripeSimulator {

    public static final String SECRET_KEY = "sk_test_sandbox";
    /** What a customer's browser (Stripe.js) holds: it may only confirm a PaymentIntent whose client_secret it has. */
    public static final String PUBLISHABLE_KEY = "pk_test_sandbox";
    private static final Set<String> CONFIRMABLE = Set.of("requires_payment_method", "requires_confirmation",
            "requires_action");
    private static final Logger log = LoggerFactory.getLogger(StripeSimulator.class);

    private final Clock clock;
    private final String base;
    private final StripeEventSender events;
    private final Map<String, ObjectNode> sessions = new ConcurrentHashMap<>();
    // what a session's payment makes its PaymentIntent of (payment_intent_data: not part of the session object)
    private final Map<String, ObjectNode> sessionIntentData = new ConcurrentHashMap<>();
    // every PaymentIntent made, created or by a session's payment, as GET /v1/payment_intents/{id} answers it
    private final Map<String, ObjectNode> intents = new ConcurrentHashMap<>();
    // the Charge of each PaymentIntent paid, which its refunds refund (charge.refunded carries it)
    private final Map<String, ObjectNode> charges = new ConcurrentHashMap<>();
    private final Map<String, List<ObjectNode>> refunds = new ConcurrentHashMap<>();

    public StripeSimulator(SandboxServer server, Supplier<String> webhookUrl, Clock clock) {
        this.clock = clock;
        this.base = server.baseUrl() + "/stripe";
        this.events = new StripeEventSender(webhookUrl, clock);
        server.register("/stripe/", "stripe", StripeSimulator::faultError, exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                log.warn("Stripe simulator failed on {}", exchange.getRequestURI().getPath(), e);
                send(exchange, 500, error("api_error", "Simulator failure"));
            }
        });
    }

    public String apiBase() {
        return base;
    }

    public String webhookSecret() {
        return events.secret();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath().substring("/stripe".length());
        if (path.startsWith("/pay/") && ex.getRequestMethod().equals("GET")) {
            pay(ex, path.substring("/pay/".length()));
            return;
        }
        String key = ex.getRequestHeaders().getFirst("Authorization");
        boolean confirm = ex.getRequestMethod().equals("POST") && path.matches("/v1/payment_intents/[^/]+/confirm");
        if (!("Bearer " + SECRET_KEY).equals(key) && !(confirm && ("Bearer " + PUBLISHABLE_KEY).equals(key))) {
            send(ex, 401, error("invalid_request_error", "Invalid API Key provided"));
            return;
        }
        Map<String, String> form = SimulatorHttp.form(SimulatorHttp.bodyText(ex));
        if (confirm) {
            confirm(ex, path.split("/")[3], form, ("Bearer " + PUBLISHABLE_KEY).equals(key));
            return;
        }
        if (ex.getRequestMethod().equals("POST") && path.matches("/v1/checkout/sessions/[^/]+/expire")) {
            expire(ex, path.split("/")[4]);
            return;
        }
        if (ex.getRequestMethod().equals("GET") && path.matches("/v1/checkout/sessions/[^/]+")) {
            retrieveSession(ex, path.substring("/v1/checkout/sessions/".length()));
            return;
        }
        if (ex.getRequestMethod().equals("GET") && path.matches("/v1/payment_intents/[^/]+")) {
            retrieveIntent(ex, path.substring("/v1/payment_intents/".length()));
            return;
        }
        switch (ex.getRequestMethod() + " " + path) {
            case "POST /v1/checkout/sessions" -> send(ex, 200, createSession(form));
            case "POST /v1/payment_intents" -> send(ex, 200, paymentIntent(form));
            case "POST /v1/refunds" -> refund(ex, form);
            case "GET /v1/refunds" -> refundList(ex, SimulatorHttp.form(ex.getRequestURI().getRawQuery()));
            default -> send(ex, 404, error("invalid_request_error", "Unrecognized request URL"));
        }
    }

    private ObjectNode createSession(Map<String, String> form) {
        String id = "cs_test_" + random();
        long amount = Long.parseLong(form.getOrDefault("line_items[0][price_data][unit_amount]", "0"))
                * Long.parseLong(form.getOrDefault("line_items[0][quantity]", "1"));
        ObjectNode session = JSON.createObjectNode().put("id", id).put("object", "checkout.session")
                .put("mode", "payment").put("status", "open").put("payment_status", "unpaid")
                .put("amount_total", amount).put("currency", form.getOrDefault("line_items[0][price_data][currency]", "chf"))
                .put("client_reference_id", form.get("client_reference_id"))
                .put("customer_email", form.get("customer_email"))
                .put("success_url", form.get("success_url")).put("url", base + "/pay/" + id);
        session.putNull("payment_intent");
        ObjectNode metadata = session.putObject("metadata");
        form.forEach((key, value) -> {
            if (key.startsWith("metadata[")) {
                metadata.put(key.substring(9, key.length() - 1), value);
            }
        });
        // Stripe copies payment_intent_data (not the session's own metadata) to the PaymentIntent a payment makes
        ObjectNode intentData = JSON.createObjectNode().put("description",
                form.get("payment_intent_data[description]"));
        ObjectNode intentMetadata = intentData.putObject("metadata");
        form.forEach((key, value) -> {
            if (key.startsWith("payment_intent_data[metadata][")) {
                intentMetadata.put(key.substring(30, key.length() - 1), value);
            }
        });
        sessionIntentData.put(id, intentData);
        sessions.put(id, session);
        return session;
    }

    private ObjectNode paymentIntent(Map<String, String> form) {
        String id = "pi_" + random();
        ObjectNode intent = JSON.createObjectNode().put("id", id).put("object", "payment_intent")
                .put("amount", Long.parseLong(form.getOrDefault("amount", "0")))
                .put("currency", form.getOrDefault("currency", "chf")).put("description", form.get("description"))
                .put("status", "requires_payment_method").put("client_secret", id + "_secret_" + random())
                .put("amount_received", 0).put("capture_method", "automatic")
                .put("confirmation_method", "automatic").put("created", clock.instant().getEpochSecond())
                .put("livemode", false).putNull("latest_charge").putNull("payment_method");
        ObjectNode metadata = intent.putObject("metadata");
        form.forEach((key, value) -> {
            if (key.startsWith("metadata[")) {
                metadata.put(key.substring(9, key.length() - 1), value);
            }
        });
        intents.put(id, intent);
        return intent;
    }

    /** As Stripe: a PaymentIntent of this account with its metadata; another, 404 resource_missing. */
    private void retrieveIntent(HttpExchange ex, String id) throws IOException {
        ObjectNode intent = intents.get(id);
        if (intent == null) {
            noSuchIntent(ex, id, "intent");
            return;
        }
        synchronized (intent) {
            send(ex, 200, intent);
        }
    }

    /**
     * As Stripe, the customer's browser confirming a PaymentIntent (Stripe.js: the publishable key, the
     * client_secret the hub's {@code POST /payments/stripe/payment-intents} answered, and a payment method such as
     * {@code pm_card_visa}), or a server with the secret key: one waiting for its payment is paid by the card, and
     * Stripe sends {@code charge.succeeded}, then {@code payment_intent.succeeded}. Refused as Stripe refuses: a
     * PaymentIntent it does not know (404), the publishable key without its client_secret, one no longer waiting (a
     * second confirm of one paid), none with no payment method.
     */
    private void confirm(HttpExchange ex, String id, Map<String, String> form, boolean publishable)
            throws IOException {
        ObjectNode intent = intents.get(id);
        if (intent == null) {
            noSuchIntent(ex, id, "intent");
            return;
        }
        synchronized (intent) {
            String secret = form.get("client_secret");
            if ((publishable || secret != null) && !intent.path("client_secret").asText().equals(secret)) {
                send(ex, 400, error("invalid_request_error", "The client_secret provided does not match any "
                        + "associated PaymentIntent on this account.", null, "client_secret"));
                return;
            }
            String status = intent.path("status").asText();
            if (!CONFIRMABLE.contains(status)) {
                send(ex, 400, error("invalid_request_error", "You cannot confirm this PaymentIntent because it has a "
                        + "status of " + status + ". Only a PaymentIntent with one of the following statuses may be "
                        + "confirmed: requires_confirmation, requires_payment_method, requires_action.",
                        "payment_intent_unexpected_state", null));
                return;
            }
            String method = form.getOrDefault("payment_method", intent.path("payment_method").textValue());
            if (method == null || method.isBlank()) {
                send(ex, 400, error("invalid_request_error", "You cannot confirm this PaymentIntent because it's "
                        + "missing a payment method.", "payment_intent_unexpected_state", "payment_method"));
                return;
            }
            intent.put("payment_method", method);
            ObjectNode charge = paid(intent);
            send(ex, 200, intent);
            events.send(id, "charge.succeeded", charge, null);
            events.send(id, "payment_intent.succeeded", intent, null);
            // refundable only now: a refund's charge.refunded queued behind these events, never ahead of them
            charges.put(id, charge);
        }
    }

    /**
     * Makes a PaymentIntent succeeded, and its Charge as Stripe makes it (the PaymentIntent's metadata copied to
     * it, so a {@code charge.*} event names the booking too), which the caller makes refundable ({@link #charges})
     * once it has queued the payment's events. Called holding the intent.
     */
    private ObjectNode paid(ObjectNode intent) {
        String id = intent.path("id").asText();
        long amount = intent.path("amount").asLong();
        ObjectNode charge = JSON.createObjectNode().put("id", "ch_" + random()).put("object", "charge")
                .put("amount", amount).put("amount_captured", amount).put("amount_refunded", 0)
                .put("captured", true).put("created", clock.instant().getEpochSecond())
                .put("currency", intent.path("currency").asText()).put("description", intent.path("description")
                        .textValue()).put("disputed", false).put("livemode", false).put("paid", true)
                .put("payment_intent", id).put("payment_method", intent.path("payment_method").textValue())
                .put("refunded", false).put("status", "succeeded");
        charge.putObject("billing_details");
        charge.set("metadata", intent.has("metadata") ? intent.get("metadata").deepCopy() : JSON.createObjectNode());
        intent.put("status", "succeeded").put("amount_received", amount).put("latest_charge", charge.path("id")
                .asText());
        return charge;
    }

    /** As Stripe: a Checkout Session of this account (once paid, naming its PaymentIntent); another, 404. */
    private void retrieveSession(HttpExchange ex, String id) throws IOException {
        ObjectNode session = sessions.get(id);
        if (session == null) {
            send(ex, 404, error("invalid_request_error", "No such checkout.session: '" + id + "'", "resource_missing",
                    "session"));
            return;
        }
        synchronized (session) {
            send(ex, 200, session);
        }
    }

    /** As Stripe: only an open session can be expired; one expired can no longer be paid. */
    private void expire(HttpExchange ex, String sessionId) throws IOException {
        ObjectNode session = sessions.get(sessionId);
        if (session == null) {
            send(ex, 404, error("invalid_request_error", "No such checkout.session"));
            return;
        }
        synchronized (session) {
            if (!"open".equals(session.path("status").asText())) {
                send(ex, 400, error("invalid_request_error", "Only Checkout Sessions with a status of `open` can be "
                        + "expired."));
                return;
            }
            session.put("status", "expired");
        }
        send(ex, 200, session);
        events.send(sessionId, "checkout.session.expired", session, null);
    }

    /**
     * As Stripe: a refund of a Payment Intent it does not know is 404 {@code resource_missing}; of one never paid,
     * 400 (no successful charge); a payment refunds at most what is left of it, in its own currency: nothing left,
     * {@code charge_already_refunded}; more than is left, {@code amount_too_large}. A refund made is announced as
     * Stripe announces it, {@code charge.refunded} with the Charge as refunded now (the refund itself, with the
     * metadata the refund was made with, is what the hub then reads back: GET /v1/refunds); before, it was not.
     */
    private void refund(HttpExchange ex, Map<String, String> form) throws IOException {
        String intent = form.get("payment_intent");
        if (intent == null || intent.isBlank()) {
            send(ex, 400, error("invalid_request_error", "Must provide either `charge` or `payment_intent`.",
                    "parameter_missing", "payment_intent"));
            return;
        }
        ObjectNode charge = charges.get(intent);
        if (charge == null) {
            if (intents.containsKey(intent)) {
                send(ex, 400, error("invalid_request_error",
                        "This PaymentIntent does not have a successful charge to refund.", null, "payment_intent"));
            } else {
                noSuchIntent(ex, intent, "payment_intent");
            }
            return;
        }
        Long asked = positiveAmount(form.get("amount"));
        if (form.containsKey("amount") && asked == null) {
            send(ex, 400, error("invalid_request_error", "Invalid positive integer", "parameter_invalid_integer",
                    "amount"));
            return;
        }
        long paid = charge.path("amount").asLong();
        String currency = charge.path("currency").asText();
        List<ObjectNode> made = refunds.computeIfAbsent(intent, key -> new ArrayList<>());
        synchronized (made) {
            long left = paid - made.stream().mapToLong(r -> r.path("amount").asLong()).sum();
            if (left <= 0) {
                send(ex, 400, error("invalid_request_error", "Charge has already been refunded.",
                        "charge_already_refunded", null));
                return;
            }
            long amount = asked == null ? left : asked;
            if (amount > left) {
                send(ex, 400, error("invalid_request_error", "Refund amount (" + amount + ") is greater than "
                        + "unrefunded amount on charge (" + left + ")", "amount_too_large", "amount"));
                return;
            }
            ObjectNode refund = JSON.createObjectNode().put("id", "re_" + random()).put("object", "refund")
                    .put("amount", amount).put("charge", charge.path("id").asText())
                    .put("created", clock.instant().getEpochSecond()).put("currency", currency)
                    .put("payment_intent", intent).put("status", "succeeded");
            // kept as Stripe keeps it: the hub's mark tells its refunds from those made by hand (charge.refunded)
            ObjectNode metadata = refund.putObject("metadata");
            form.forEach((key, value) -> {
                if (key.startsWith("metadata[")) {
                    metadata.put(key.substring(9, key.length() - 1), value);
                }
            });
            made.add(refund);
            send(ex, 200, refund);
            // under the refunds' lock: each charge.refunded queued in the order its amount was refunded
            ObjectNode previous = JSON.createObjectNode();
            ObjectNode refunded;
            synchronized (charge) {
                long before = charge.path("amount_refunded").asLong();
                previous.put("amount_refunded", before);
                if (before + amount >= paid) {
                    previous.put("refunded", false);
                }
                charge.put("amount_refunded", before + amount).put("refunded", before + amount >= paid);
                refunded = charge.deepCopy();
            }
            events.send(intent, "charge.refunded", refunded, previous);
        }
    }

    /** A form's amount as Stripe reads it: a positive integer, else null. */
    private static Long positiveAmount(String value) {
        if (value == null || !value.matches("[0-9]{1,18}")) {
            return null;
        }
        long amount = Long.parseLong(value);
        return amount > 0 ? amount : null;
    }

    /** As Stripe: the refunds of a Payment Intent; of one it does not know, 404 resource_missing (before, 200 empty). */
    private void refundList(HttpExchange ex, Map<String, String> query) throws IOException {
        String intent = query.get("payment_intent");
        if (intent != null && !intents.containsKey(intent)) {
            noSuchIntent(ex, intent, "payment_intent");
            return;
        }
        send(ex, 200, refundList(query));
    }

    private ObjectNode refundList(Map<String, String> query) {
        ObjectNode list = JSON.createObjectNode().put("object", "list").put("url", "/v1/refunds")
                .put("has_more", false);
        var data = list.putArray("data");
        List<ObjectNode> made = refunds.getOrDefault(query.get("payment_intent"), List.of());
        synchronized (made) {
            made.forEach(data::add);
        }
        return list;
    }

    /**
     * The payer on the Checkout page. Opened as it is, the session is paid by card and Stripe sends
     * {@code checkout.session.completed} ({@code payment_status} {@code paid}); {@code ?outcome=} chooses another of
     * Checkout's outcomes (see {@link CheckoutOutcome}): a card declined, a delayed method (a SEPA debit) that is
     * processing and later succeeds or fails, or the page abandoned until it expires. Before, every opening paid.
     */
    private void pay(HttpExchange ex, String sessionId) throws IOException {
        ObjectNode session = sessions.get(sessionId);
        if (session == null) {
            send(ex, 404, error("invalid_request_error", "No such checkout session"));
            return;
        }
        CheckoutOutcome outcome = CheckoutOutcome.of(SimulatorHttp.form(ex.getRequestURI().getRawQuery())
                .get("outcome"));
        if (outcome == null) {
            SimulatorHttp.sendHtml(ex, 400, "Unknown outcome. Choose one: " + CheckoutOutcome.choices(session
                    .path("url").asText()));
            return;
        }
        String refused;
        synchronized (session) {
            refused = outcome.refusal(session);
            if (refused == null) {
                outcome(session, outcome);
            }
        }
        if (refused != null) {
            SimulatorHttp.sendHtml(ex, 409, refused + " (Stripe sandbox)");
            return;
        }
        SimulatorHttp.sendHtml(ex, outcome.page(session.path("amount_total").asLong() + " "
                + session.path("currency").asText().toUpperCase(Locale.ROOT)) + " (Stripe sandbox).");
    }

    /** Makes the session, its Payment Intent and Charge what the outcome makes them, and sends Stripe's event. */
    private void outcome(ObjectNode session, CheckoutOutcome outcome) {
        String sessionId = session.path("id").asText();
        if (outcome == CheckoutOutcome.ABANDONED) {
            session.put("status", "expired");
            events.send(session.path("payment_intent").isTextual() ? session.path("payment_intent").asText()
                    : sessionId, "checkout.session.expired", session, null);
            return;
        }
        ObjectNode intent = sessionIntent(session);
        String id = intent.path("id").asText();
        synchronized (intent) {
            switch (outcome) {
                case PAID -> {
                    session.put("status", "complete").put("payment_status", "paid");
                    intent.put("payment_method", "pm_card_visa").remove("last_payment_error");
                    ObjectNode charge = paid(intent);
                    events.send(id, "checkout.session.completed", session, null);
                    charges.put(id, charge);
                }
                case DECLINED -> {
                    // the page stays open: the payer may try another card
                    intent.put("status", "requires_payment_method").put("payment_method", "pm_card_chargeDeclined");
                    intent.putObject("last_payment_error").put("type", "card_error").put("code", "card_declined")
                            .put("decline_code", "insufficient_funds").put("message", "Your card has insufficient "
                                    + "funds.").put("payment_method", "pm_card_chargeDeclined");
                    events.send(id, "payment_intent.payment_failed", intent, null);
                }
                case PROCESSING -> {
                    session.put("status", "complete").put("payment_status", "unpaid");
                    intent.put("status", "processing").put("payment_method", "pm_sepa_debit");
                    events.send(id, "checkout.session.completed", session, null);
                }
                case SUCCEEDED -> {
                    session.put("payment_status", "paid");
                    ObjectNode charge = paid(intent);
                    events.send(id, "checkout.session.async_payment_succeeded", session, null);
                    charges.put(id, charge);
                }
                case FAILED -> {
                    intent.put("status", "requires_payment_method");
                    intent.putObject("last_payment_error").put("type", "invalid_request_error")
                            .put("code", "payment_method_provider_decline").put("message", "The debit was refused "
                                    + "by the customer's bank.").put("payment_method", "pm_sepa_debit");
                    events.send(id, "checkout.session.async_payment_failed", session, null);
                }
                default -> throw new IllegalStateException(outcome.name());
            }
        }
    }

    /**
     * The session's Payment Intent, made at its first payment attempt (as Checkout makes it) with what the session's
     * {@code payment_intent_data} gives it (its metadata names the booking); a declined card's attempt keeps it.
     */
    private ObjectNode sessionIntent(ObjectNode session) {
        ObjectNode existing = session.path("payment_intent").isTextual()
                ? intents.get(session.path("payment_intent").asText()) : null;
        if (existing != null) {
            return existing;
        }
        String id = "pi_" + random();
        ObjectNode intentData = sessionIntentData.getOrDefault(session.path("id").asText(), JSON.createObjectNode());
        ObjectNode intent = JSON.createObjectNode().put("id", id).put("object", "payment_intent")
                .put("amount", session.path("amount_total").asLong())
                .put("currency", session.path("currency").asText()).put("status", "requires_payment_method")
                .put("amount_received", 0).put("created", clock.instant().getEpochSecond()).put("livemode", false)
                .putNull("latest_charge").putNull("payment_method");
        intent.put("description", intentData.path("description").textValue());
        intent.set("metadata", intentData.has("metadata") ? intentData.get("metadata").deepCopy()
                : JSON.createObjectNode());
        intents.put(id, intent);
        session.put("payment_intent", id);
        return intent;
    }

    /**
     * Stripe's error for a status the failure switch answers: 402 a declined card ({@code card_error}), 429 its rate
     * limit (Stripe sends no Retry-After), 5xx {@code api_error}, another 4xx {@code invalid_request_error}.
     */
    static ObjectNode faultError(int status) {
        return switch (status) {
            case 402 -> {
                ObjectNode body = error("card_error", "Your card was declined.", "card_declined", null);
                ((ObjectNode) body.get("error")).put("decline_code", "generic_decline");
                yield body;
            }
            case 401 -> error("invalid_request_error", "Invalid API Key provided");
            case 404 -> error("invalid_request_error", "Unrecognized request URL", "resource_missing", null);
            case 409 -> error("idempotency_error", "Keys for idempotent requests can only be used with the same "
                    + "parameters they were first used with.");
            case 429 -> error("invalid_request_error", "Request rate limit exceeded. Learn more about rate limits "
                    + "here https://stripe.com/docs/rate-limits.", "rate_limit", null);
            default -> status >= 500 ? error("api_error", "An unknown error occurred (Stripe sandbox fault).")
                    : error("invalid_request_error", "Invalid request (Stripe sandbox fault).");
        };
    }

    /** Stripe's 404 for a PaymentIntent of another account, or none, named by the request's {@code param}. */
    private static void noSuchIntent(HttpExchange ex, String id, String param) throws IOException {
        send(ex, 404, error("invalid_request_error", "No such payment_intent: '" + id + "'", "resource_missing",
                param));
    }

    private static ObjectNode error(String type, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("type", type).put("message", message);
        return body;
    }

    /** Stripe's error shape with its code and the parameter it names (either may be absent, as at Stripe). */
    private static ObjectNode error(String type, String message, String code, String param) {
        ObjectNode body = error(type, message);
        ObjectNode error = (ObjectNode) body.get("error");
        if (code != null) {
            error.put("code", code);
        }
        if (param != null) {
            error.put("param", param);
        }
        return body;
    }

    private static String random() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
