package io.connectify.hub.payment.stripe;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.stripe.exception.ApiConnectionException;
import com.stripe.net.HttpClient;
import com.stripe.net.HttpHeaders;
import com.stripe.net.RequestOptions;
import com.stripe.net.StripeRequest;
import com.stripe.net.StripeResponse;
import io.connectify.hub.resilience.AnswerDeadline;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.SystemDefaultRoutePlanner;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * stripe-java's transport on Apache HttpClient 5, so that the read timeout bounds the whole answer
 * ({@link AnswerDeadline}): stripe-java's own {@code HttpURLConnectionClient} bounds each read only, and a Stripe (or
 * proxy) trickling its answer held the call, and the request thread or queue consumer making it, for as long as it
 * trickled. The request goes out as stripe-java's client sends it (its headers, {@code User-Agent} and
 * {@code X-Stripe-Client-User-Agent}, the body with its content type); the answer's body is read as UTF-8. No retries
 * of its own (the hub's policy decides), no redirects followed, no compression asked for. Streamed answers (file
 * downloads) are not supported: the hub makes none.
 * <p>
 * Proxies as stripe-java's own client takes them: the connection proxy of the request's options (stripe-java's
 * {@code RequestOptions}, else the client's, which {@link StripeConfig} takes from {@code Stripe.setConnectionProxy}),
 * with its proxy credential; without one, the JVM's ({@code https.proxyHost}, {@code http.nonProxyHosts}: the default
 * {@code ProxySelector}). Before, only the JVM's: a proxy set the stripe-java way was not used.
 */
final class StripeHttpClient extends HttpClient implements Closeable {

    /** Idle connections closed after this: HttpURLConnection kept them 5 s unless the server said otherwise. */
    private static final TimeValue IDLE = TimeValue.ofSeconds(30);
    /** The context attribute the route planner finds a request's own proxy under. */
    private static final String PROXY = "connectify.stripe.connection-proxy";

    private final CloseableHttpClient client;

    /**
     * {@code connectTimeout} also bounds the wait for a pooled connection. The pool has no limit, as HttpURLConnection
     * had none: the Stripe calls at once are those of the threads making them.
     */
    StripeHttpClient(Duration connectTimeout, Duration readTimeout) {
        this.client = AnswerDeadline.on(HttpClientBuilder.create()
                .useSystemProperties() // the JVM's proxy credentials (java.net.Authenticator), as HttpURLConnection's
                .setRoutePlanner(new OptionsProxyRoutePlanner())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableContentCompression()
                .evictIdleConnections(IDLE)
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .useSystemProperties() // the JVM's TLS settings, as HttpURLConnection used them
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(Timeout.of(readTimeout))
                                .build())
                        .setMaxConnPerRoute(Integer.MAX_VALUE)
                        .setMaxConnTotal(Integer.MAX_VALUE)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(Timeout.of(connectTimeout))
                        .setResponseTimeout(Timeout.of(readTimeout))
                        .build()), readTimeout).build();
    }

    @Override
    public StripeResponse request(StripeRequest request) throws ApiConnectionException {
        try {
            return client.execute(httpRequest(request), context(request.options()),
                    response -> new StripeResponse(response.getCode(), headers(response.getHeaders()),
                            response.getEntity() == null ? "" : new String(
                                    EntityUtils.toByteArray(response.getEntity()), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new ApiConnectionException("IOException during API request to Stripe (" + request.url().getHost()
                    + "): " + e.getMessage(), e);
        }
    }

    /** Its connections and its idle-connection evictor's thread, at the context's close (a bean's close). */
    @Override
    public void close() throws IOException {
        client.close();
    }

    /** The request's own proxy, if it names one, and its credential (for the proxy's challenge), for the route. */
    private static HttpClientContext context(RequestOptions options) throws IOException {
        HttpClientContext context = HttpClientContext.create();
        Proxy proxy = options == null ? null : options.getConnectionProxy();
        if (proxy == null) {
            return context; // the JVM's, as before
        }
        if (proxy.type() == Proxy.Type.SOCKS) {
            // refused rather than sent past the proxy an operator chose
            throw new IOException("the connection proxy set for stripe-java is a SOCKS proxy: the hub's Stripe client "
                    + "takes an HTTP proxy only");
        }
        context.setAttribute(PROXY, proxy);
        PasswordAuthentication credential = options.getProxyCredential();
        if (credential != null && proxy.address() instanceof InetSocketAddress address) {
            BasicCredentialsProvider credentials = new BasicCredentialsProvider();
            credentials.setCredentials(new AuthScope(address.getHostString(), address.getPort()),
                    new UsernamePasswordCredentials(credential.getUserName(), credential.getPassword()));
            context.setCredentialsProvider(credentials);
        }
        return context;
    }

    /**
     * The request's own proxy ({@link Proxy#NO_PROXY}: none), else the JVM's default {@code ProxySelector} at the time
     * of the request, as HttpURLConnection asks it.
     */
    private static final class OptionsProxyRoutePlanner extends SystemDefaultRoutePlanner {

        OptionsProxyRoutePlanner() {
            super(null);
        }

        @Override
        protected HttpHost determineProxy(HttpHost target, HttpContext context) throws HttpException {
            if (context.getAttribute(PROXY) instanceof Proxy proxy) {
                return proxy.address() instanceof InetSocketAddress address
                        ? new HttpHost(address.getHostString(), address.getPort()) : null;
            }
            return super.determineProxy(target, context);
        }
    }

    private static ClassicHttpRequest httpRequest(StripeRequest request) throws IOException {
        ClassicRequestBuilder builder;
        try {
            builder = ClassicRequestBuilder.create(request.method().name()).setUri(request.url().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("Not a URI: the Stripe request's URL", e);
        }
        Map<String, List<String>> headers = request.headers().withAdditionalHeader("User-Agent",
                buildUserAgentString(request)).withAdditionalHeader("X-Stripe-Client-User-Agent",
                buildXStripeClientUserAgentString()).map();
        headers.forEach((name, values) -> values.forEach(value -> builder.addHeader(name, value)));
        if (request.content() != null) {
            builder.setHeader("Content-Type", request.content().contentType());
            builder.setEntity(new ByteArrayEntity(request.content().byteArrayContent(), (ContentType) null));
        }
        return builder.build();
    }

    private static HttpHeaders headers(Header[] headers) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header header : headers) {
            byName.computeIfAbsent(header.getName(), name -> new ArrayList<>()).add(header.getValue());
        }
        return HttpHeaders.of(byName);
    }
}
