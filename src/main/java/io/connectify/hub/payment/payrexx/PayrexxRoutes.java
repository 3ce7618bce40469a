package io.connectify.hub.payment.payrexx;

import io.connectify.hub.resilience.HttpProviderErrors;
import io.connectify.hub.resilience.ProviderCalls;
import io.connectify.hub.resilience.ProviderRouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The Payrexx adapter over camel-http: each operation builds its request, calls the API behind the Payrexx
 * breaker ({@code payrexx-call}), and reads the answer.
 */
@Component
public class PayrexxRoutes extends ProviderRouteBuilder {

    public static final String CREATE_GATEWAY = "direct:payrexx-create-gateway";
    public static final String GET_GATEWAY = "direct:payrexx-get-gateway";
    public static final String DELETE_GATEWAY = "direct:payrexx-delete-gateway";
    public static final String GET_TRANSACTION = "direct:payrexx-get-transaction";
    public static final String REFUND = "direct:payrexx-refund-transaction";
    private static final String CALL = "direct:payrexx-call";

    private final PayrexxConnection connection;

    public PayrexxRoutes(ProviderCalls calls, PayrexxConnection connection) {
        super(calls, PayrexxConfig.PROVIDER, "payrexxCircuitBreaker",
                failure -> HttpProviderErrors.translate(PayrexxConfig.PROVIDER, "Payrexx", failure));
        this.connection = connection;
    }

    @Override
    protected void routes() {
        adapter(CREATE_GATEWAY, "Create a Payrexx payment page", "createGateway", "readGateway");
        adapter(GET_GATEWAY, "Read a Payrexx payment page", "getGateway", "readGatewayState");
        adapter(DELETE_GATEWAY, "Delete a Payrexx payment page", "deleteGateway", "readDeletedGateway");
        adapter(GET_TRANSACTION, "Read a Payrexx transaction", "getTransaction", "readTransaction");
        adapter(REFUND, "Refund a Payrexx transaction", "refundTransaction", "readRefund");
        operation(CALL, "Call the Payrexx API", connection.apiBase() + "?httpClientConfigurer=#payrexxHttpTimeouts&headerFilterStrategy=#providerHeaderFilter");
    }

    /**
     * One Payrexx operation: its request built, the shared call route, its answer read. The operation is named on the
     * exchange for the audit, as every operation goes through the one call route.
     */
    private void adapter(String endpoint, String description, String request, String reader) {
        String routeId = endpoint.substring("direct:".length());
        from(endpoint).routeId(routeId).routeDescription(description)
                .bean("payrexxRequests", request)
                .setProperty(ProviderCalls.OPERATION, constant(routeId))
                .to(CALL)
                .bean("payrexxRequests", reader);
    }
}
