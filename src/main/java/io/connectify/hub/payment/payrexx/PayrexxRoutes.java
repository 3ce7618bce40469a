package io.connectify.hub.payment.payrexx;

import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderRouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The Payrexx adapter over camel-http: each operation builds its request, calls the API behind the Payrexx
 * breaker, and reads the answer. The operations share the call route {@code payrexx-call}, but for the refund, which
 * Payrexx takes without an idempotency key: its own, {@code payrexx-call-refund}, whose retry after a lost answer
 * reads the transaction first ({@link PayrexxRefundLookup}). A payment page's creation is retried as any call: a page
 * a lost answer made is given to no one (its link is Payrexx's unguessable one, never answered), pays for nothing and
 * closes when its {@code validity}, the hold, runs out; not retrying it failed a booking for a passing 5xx.
 */
@Component
public class PayrexxRoutes extends ProviderRouteBuilder {

    public static final String CREATE_GATEWAY = "direct:payrexx-create-gateway";
    public static final String GET_GATEWAY = "direct:payrexx-get-gateway";
    public static final String DELETE_GATEWAY = "direct:payrexx-delete-gateway";
    public static final String GET_TRANSACTION = "direct:payrexx-get-transaction";
    public static final String REFUND = "direct:payrexx-refund-transaction";
    private static final String CALL = "direct:payrexx-call";
    private static final String CALL_REFUND = "direct:payrexx-call-refund";

    private final PayrexxConnection connection;
    private final PayrexxRefundLookup refundLookup;

    public PayrexxRoutes(ProviderCalls calls, PayrexxConnection connection, PayrexxRefundLookup refundLookup) {
        super(calls, PayrexxConfig.PROVIDER, "payrexxCircuitBreaker", PayrexxErrors::translate);
        this.connection = connection;
        this.refundLookup = refundLookup;
    }

    /** The camel-http endpoint of Payrexx's API (each request names its path and query). */
    static String callUri(PayrexxConnection connection) {
        return connection.apiBase() + "?httpClientConfigurer=#payrexxHttpTimeouts&headerFilterStrategy=#providerHeaderFilter";
    }

    @Override
    protected void routes() {
        adapter(CREATE_GATEWAY, "Create a Payrexx payment page", "createGateway", CALL, "readGateway");
        adapter(GET_GATEWAY, "Read a Payrexx payment page", "getGateway", CALL, "readGatewayState");
        adapter(DELETE_GATEWAY, "Delete a Payrexx payment page", "deleteGateway", CALL, "readDeletedGateway");
        adapter(GET_TRANSACTION, "Read a Payrexx transaction", "getTransaction", CALL, "readTransaction");
        adapter(REFUND, "Refund a Payrexx transaction", "refundTransaction", CALL_REFUND, "readRefund");
        operation(CALL, "Call the Payrexx API", callUri(connection));
        operation(CALL_REFUND, "Call Payrexx's POST Transaction/{id}/refund, after a lost answer only if not made",
                callUri(connection), refundLookup);
    }

    /**
     * One Payrexx operation: its request built, the shared call route, its answer read. The operation is named on the
     * exchange for the audit, as every operation goes through the one call route.
     */
    private void adapter(String endpoint, String description, String request, String call, String reader) {
        String routeId = endpoint.substring("direct:".length());
        from(endpoint).routeId(routeId).routeDescription(description)
                .bean("payrexxRequests", request)
                .setProperty(ProviderCalls.OPERATION, constant(routeId))
                .to(call)
                .bean("payrexxRequests", reader);
    }
}
