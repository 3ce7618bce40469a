package io.connectify.hub.sandbox;

import static io.connectify.hub.sandbox.SimulatorHttp.JSON;
import static io.connectify.hub.sandbox.SimulatorHttp.send;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payrexx's REST API for the calls the hub makes (Gateway create/read, Transaction read/refund, answers as
 * {@code {"status":"success","data":[...]}}) and its webhooks: opening a gateway's link pays it and posts the two
 * deliveries Payrexx sends form-encoded to the hub's webhook URL, in Payrexx's order (see {@link #pay}); a refund
 * posts the transaction's new status (refunded, or partially-refunded for a part) the same way.
 */
public class PayrexxSimulator {

    public static final String API_KEY = "sandbox-payrexx-secret";
    public static final String INSTANCE = "sandbox";
    public static final String WEBHOOK_TOKEN = "sandbox-webhook-token-" + UUID.randomUUID().toString().substring(0, 8);
    private static final Logger log = LoggerFactory.getLogger(PayrexxSimulator.class);
    /** The simulator's own field: how much of a transaction was refunded (Payrexx's transaction does not say). */
    private static final String REFUNDED_AMOUNT = "simulatorRefundedAmount";
    private static final Set<String> REFUNDABLE = Set.of("confirmed", "partially-refunded");
    private static final String WAITING = "waiting";
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final String base;
    private final Supplier<String> webhookUrl;
    private final AtomicLong ids = new AtomicLong(1000);
    private final Map<Long, ObjectNode> gateways = new ConcurrentHashMap<>();
    private final Map<Long, ObjectNode> transactions = new ConcurrentHashMap<>();
    /** Per transaction still waiting: done once the API has shown it waiting (as the hub reads each delivery's). */
    private final Map<Long, CompletableFuture<Void>> shownWaiting = new ConcurrentHashMap<>();
    private final Duration confirmWait;

    /**
     * @param confirmWait how long a payment stays {@code waiting} at most once its waiting webhook was answered, should
     *                    nobody read the transaction meanwhile
     */
    public PayrexxSimulator(SandboxServer server, Supplier<String> webhookUrl, Duration confirmWait) {
        this.base = server.baseUrl() + "/payrexx";
        this.webhookUrl = webhookUrl;
        this.confirmWait = confirmWait;
        server.register("/payrexx/", "payrexx", status -> error(status >= 500 ? "Internal server error"
                : status == 401 ? "Access denied" : status == 429 ? "Too many requests" : "Bad request"), exchange -> {
            try (exchange) {
                handle(exchange);
            } catch (IOException | RuntimeException e) {
                log.warn("Payrexx simulator failed on {}", exchange.getRequestURI().getPath(), e);
                send(exchange, 500, error("Simulator failure"));
            }
        });
    }

    public String apiBase() {
        return base + "/v1.0/";
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath().substring("/payrexx".length());
        if (path.startsWith("/pay/") && ex.getRequestMethod().equals("GET")) {
            pay(ex, Long.parseLong(path.substring("/pay/".length())));
            return;
        }
        Map<String, String> query = SimulatorHttp.form(ex.getRequestURI().getRawQuery());
        Map<String, String> form = SimulatorHttp.form(SimulatorHttp.bodyText(ex));
        if (!INSTANCE.equals(query.get("instance")) || !authorized(ex, query, form)) {
            send(ex, 401, error("Access denied"));
            return;
        }
        String[] parts = path.substring("/v1.0/".length()).split("/");
        String route = ex.getRequestMethod() + " " + parts[0] + (parts.length > 2 ? "/" + parts[2] : "");
        switch (route) {
            case "POST Gateway" -> send(ex, 200, success(createGateway(form)));
            case "GET Gateway" -> answer(ex, gateways.get(id(parts)));
            case "DELETE Gateway" -> {
                ObjectNode deleted = gateways.remove(id(parts));
                answer(ex, deleted == null ? null : JSON.createObjectNode().put("id", deleted.path("id").asLong()));
            }
            case "GET Transaction" -> {
                ObjectNode shown = shown(transactions.get(id(parts)));
                answer(ex, shown);
                if (shown != null && WAITING.equals(shown.path("status").asText())) {
                    shownWaiting.getOrDefault(shown.path("id").asLong(), DONE).complete(null);
                }
            }
            case "POST Transaction/refund" -> refund(ex, id(parts), form.get("amount"));
            default -> send(ex, 404, error("Not found"));
        }
    }

    private boolean authorized(HttpExchange ex, Map<String, String> query, Map<String, String> form) {
        if (API_KEY.equals(ex.getRequestHeaders().getFirst("X-API-KEY"))) {
            return true;
        }
        String signature = query.get("ApiSignature");
        return signature != null && signature.equals(io.connectify.hub.payment.payrexx.PayrexxSignature.sign(
                io.connectify.hub.payment.payrexx.PayrexxSignature.encode(form), API_KEY));
    }

    private ObjectNode createGateway(Map<String, String> form) {
        long id = ids.incrementAndGet();
        ObjectNode gateway = JSON.createObjectNode().put("id", id).put("status", "waiting")
                .put("hash", UUID.randomUUID().toString().replace("-", ""))
                .put("referenceId", form.get("referenceId")).put("purpose", form.get("purpose"))
                .put("amount", Long.parseLong(form.getOrDefault("amount", "0")))
                .put("currency", form.get("currency")).put("link", base + "/pay/" + id);
        gateways.put(id, gateway);
        return gateway;
    }

    /**
     * The payer opened the payment page: as at Payrexx, the transaction is made {@code waiting} and its webhook sent;
     * once that was answered and the API has shown the transaction waiting (the hub reads every delivery's; at most
     * {@code confirmWait} later), it is {@code confirmed} in the API, and then its webhook sent. The page is
     * answered at once. Before, the transaction was confirmed before either webhook, both sent at once in no sure
     * order, so the hub read a waiting delivery's transaction confirmed and never saw Payrexx's usual order.
     */
    private void pay(HttpExchange ex, long gatewayId) throws IOException {
        ObjectNode gateway = gateways.get(gatewayId);
        if (gateway == null) {
            send(ex, 404, error("Not found"));
            return;
        }
        long id = ids.incrementAndGet();
        String referenceId = gateway.path("referenceId").asText();
        ObjectNode transaction = JSON.createObjectNode().put("id", id).put("uuid", UUID.randomUUID().toString())
                .put("status", WAITING).put("referenceId", referenceId)
                .put("amount", gateway.path("amount").asLong());
        transaction.putObject("invoice").put("currencyAlpha3", gateway.path("currency").asText())
                .put("totalAmount", gateway.path("amount").asLong())
                .put("referenceId", referenceId)
                // the page it was paid on, as Payrexx names it (before, none: the hub took it for the booking's own)
                .put("paymentRequestId", gatewayId);
        CompletableFuture<Void> shown = new CompletableFuture<>();
        shownWaiting.put(id, shown);
        transactions.put(id, transaction);
        deliver(id, WAITING, referenceId)
                .thenCompose(answered -> shown.completeOnTimeout(null, confirmWait.toMillis(), TimeUnit.MILLISECONDS))
                .thenCompose(seen -> {
                    shownWaiting.remove(id);
                    synchronized (transaction) {
                        transaction.put("status", "confirmed");
                    }
                    gateway.put("status", "confirmed");
                    return deliver(id, "confirmed", referenceId);
                });
        SimulatorHttp.sendHtml(ex, "Payment completed (Payrexx sandbox).");
    }

    /**
     * As Payrexx: {@code amount} (minor units) refunds that part, none all that is left; the transaction is then
     * {@code partially-refunded} or {@code refunded}, and Payrexx's webhook of that status is delivered to the hub as
     * a payment's are (after the answer), so the hub sees the echo of its own refund. A transaction not paid, nothing
     * left to refund or more asked than is left: refused, {@code "status":"error"} (with HTTP 200, as Payrexx also
     * answers). Before, any refund made the transaction refunded in full, and no webhook was sent.
     */
    private void refund(HttpExchange ex, long id, String amount) throws IOException {
        ObjectNode transaction = transactions.get(id);
        if (transaction == null) {
            answer(ex, null);
            return;
        }
        ObjectNode refunded;
        synchronized (transaction) {
            long left = transaction.path("amount").asLong() - transaction.path(REFUNDED_AMOUNT).asLong();
            long asked = amount == null ? left : amount.matches("[0-9]{1,18}") ? Long.parseLong(amount) : 0;
            if (!REFUNDABLE.contains(transaction.path("status").asText()) || asked <= 0 || asked > left) {
                send(ex, 200, error("The transaction cannot be refunded by this amount"));
                return;
            }
            transaction.put(REFUNDED_AMOUNT, transaction.path(REFUNDED_AMOUNT).asLong() + asked)
                    .put("status", asked == left ? "refunded" : "partially-refunded");
            refunded = transaction.deepCopy();
        }
        refunded.remove(REFUNDED_AMOUNT);
        send(ex, 200, success(refunded));
        deliver(id, refunded.path("status").asText(), refunded.path("referenceId").asText());
    }

    /** Payrexx's webhook of transaction {@code id} now {@code status}, form-encoded ("Normal (PHP-Post)"). */
    private CompletableFuture<Void> deliver(long id, String status, String referenceId) {
        return SimulatorHttp.webhook(webhookUrl.get(), "application/x-www-form-urlencoded",
                "transaction%5Bid%5D=" + id + "&transaction%5Bstatus%5D=" + status
                        + "&transaction%5Binvoice%5D%5BreferenceId%5D="
                        + URLEncoder.encode(referenceId, StandardCharsets.UTF_8),
                Map.of());
    }

    /** The transaction as Payrexx's API shows it: without the simulator's own count of what was refunded. */
    private static ObjectNode shown(ObjectNode transaction) {
        if (transaction == null) {
            return null;
        }
        synchronized (transaction) {
            ObjectNode copy = transaction.deepCopy();
            copy.remove(REFUNDED_AMOUNT);
            return copy;
        }
    }

    private static long id(String[] parts) {
        return parts.length > 1 && parts[1].matches("[0-9]+") ? Long.parseLong(parts[1]) : -1;
    }

    private static void answer(HttpExchange ex, ObjectNode item) throws IOException {
        if (item == null) {
            send(ex, 404, error("No such object"));
        } else {
            send(ex, 200, success(item));
        }
    }

    private static ObjectNode success(ObjectNode item) {
        ObjectNode body = JSON.createObjectNode().put("status", "success");
        body.putArray("data").add(item);
        return body;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("status", "error").put("message", message);
    }
}
