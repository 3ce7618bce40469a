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
        from(CREATE_GATEWAY).routeId("payrexx-create-gateway").routeDescription("Create a Payrexx payment page")
                .bean("payrexxRequests", "createGateway")
                .to(CALL)
                .bean("payrexxRequests", "readGateway");
        from(GET_GATEWAY).routeId("payrexx-get-gateway").routeDescription("Read a Payrexx payment page")
                .bean("payrexxRequests", "getGateway")
                .to(CALL)
                .bean("payrexxRequests", "readGatewayState");
        from(DELETE_GATEWAY).routeId("payrexx-delete-gateway").routeDescription("Delete a Payrexx payment page")
                .bean("payrexxRequests", "deleteGateway")
                .to(CALL)
                .bean("payrexxRequests", "readDeletedGateway");
        from(GET_TRANSACTION).routeId("payrexx-get-transaction").routeDescription("Read a Payrexx transaction")
                .bean("payrexxRequests", "getTransaction")
                .to(CALL)
                .bean("payrexxRequests", "readTransaction");
        from(REFUND).routeId("payrexx-refund-transaction").routeDescription("Refund a Payrexx transaction")
                .bean("payrexxRequests", "refundTransaction")
                .to(CALL)
                .bean("payrexxRequests", "readRefund");
        operation(CALL, "Call the Payrexx API", connection.apiBase() + "?httpClientConfigurer=#payrexxHttpTimeouts&headerFilterStrategy=#providerHeaderFilter");
    }
}
