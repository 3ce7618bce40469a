package io.connectify.hub.resilience;

import java.io.IOException;
import java.util.Set;
import java.util.function.IntPredicate;

import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.LoggerFactory;

/**
 * A request that went out and got no answer from its provider: a read timeout, a dropped connection, an empty or
 * foreign reply, or a gateway's 502/503/504 (an edge answering for a backend that may have taken the request). Whether
 * the provider took it is open: retried as any unavailability, a retry first asking the provider what it did where it
 * can be asked ({@link LostAnswerLookup}). Shared by the adapters that tell it apart (Twilio's, SendGrid's).
 */
public final class AnswerLost extends ProviderException {

    /** What a gateway answers for a backend it lost (bad gateway, unavailable, gateway timeout). */
    public static final Set<Integer> GATEWAY_STATUSES = Set.of(502, 503, 504);

    public AnswerLost(String provider, String detail) {
        super(provider, Kind.UNAVAILABLE, detail, null, null);
    }

    /** Whether the failure leaves open whether the provider took the request. */
    public static boolean is(HubException failure) {
        return failure instanceof AnswerLost;
    }

    /**
     * A camel-http failure as a typed hub error ({@link HttpProviderErrors}), a request that went out and got no answer
     * told apart as {@link AnswerLost}: an HTTP status {@code lost} says may have been taken, a read timeout or a
     * connection dropped after it was made (never one not made: nothing reached the provider).
     */
    public static HubException orHttpError(String provider, String name, Throwable failure, IntPredicate lost) {
        if (Causes.find(failure, HubException.class) == null) {
            HttpOperationFailedException http = Causes.find(failure, HttpOperationFailedException.class);
            if (http != null && lost.test(http.getStatusCode())) {
                LoggerFactory.getLogger(AnswerLost.class).warn("{} server error: HTTP {}", name, http.getStatusCode());
                return new AnswerLost(provider, name + " answered HTTP " + http.getStatusCode());
            }
            if (http == null && Causes.find(failure, IOException.class) != null && !neverConnected(failure)) {
                LoggerFactory.getLogger(AnswerLost.class).warn("{} did not answer", name);
                return new AnswerLost(provider, name + " did not answer");
            }
        }
        return HttpProviderErrors.translate(provider, name, failure);
    }

    /**
     * A connection that was never made (refused, timed out connecting, no such host) or never had (HttpClient's pool
     * gave none within the connection request timeout: ConnectionRequestTimeoutException, which is no connect
     * timeout, thrown before anything is written): nothing reached the provider.
     */
    public static boolean neverConnected(Throwable e) {
        return Causes.find(e, java.net.ConnectException.class) != null
                || Causes.find(e, org.apache.hc.client5.http.ConnectTimeoutException.class) != null
                || Causes.find(e, org.apache.hc.core5.http.ConnectionRequestTimeoutException.class) != null
                || Causes.find(e, java.net.UnknownHostException.class) != null
                || Causes.find(e, java.net.NoRouteToHostException.class) != null;
    }
}
