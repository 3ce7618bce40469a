package io.connectify.hub.resilience;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;

import org.apache.http.HttpEntity;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpUriRequest;
import org.apache.http.conn.ClientConnectionManager;
import org.apache.http.entity.HttpEntityWrapper;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.params.HttpParams;
import org.apache.http.protocol.HttpContext;

/**
 * {@link AnswerDeadline} for Apache HttpClient 4, which google-http-client's transport runs on (the Google Calendar
 * client and google-auth's token requests): its socket timeout, the read timeout, bounds only each wait for the next
 * packet. Each request is answered within the limit, from its start to the last byte read of its answer, or aborted:
 * HttpClient 4's abort closes the request's connection, which ends a read blocked on it, and the attempt fails with
 * an I/O error as a read timeout does. Requests that cannot be aborted (none the transport makes) go without it.
 */
public final class AnswerDeadlineHttpClient4 extends CloseableHttpClient {

    private final CloseableHttpClient client;
    private final Duration limit;

    private AnswerDeadlineHttpClient4(CloseableHttpClient client, Duration limit) {
        this.client = client;
        this.limit = limit;
    }

    /** {@code client}'s requests each answered within {@code limit}, or aborted. */
    public static CloseableHttpClient around(CloseableHttpClient client, Duration limit) {
        return new AnswerDeadlineHttpClient4(client, limit);
    }

    @Override
    protected CloseableHttpResponse doExecute(HttpHost target, HttpRequest request, HttpContext context)
            throws IOException {
        if (!(request instanceof HttpUriRequest abortable)) {
            return client.execute(target, request, context);
        }
        // once the answer was read and its connection given back, abort() finds nothing left to close
        ScheduledFuture<?> abort = AnswerDeadline.at(limit, abortable::abort);
        try {
            CloseableHttpResponse response = client.execute(target, request, context);
            HttpEntity entity = response.getEntity();
            if (entity == null) {
                abort.cancel(false);
            } else {
                // the body is read after this returns: the deadline holds until it is read or closed
                response.setEntity(new Deadlined(entity, abort));
            }
            return response;
        } catch (IOException | RuntimeException e) {
            abort.cancel(false);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
    }

    @Override
    @SuppressWarnings("deprecation") // HttpClient 4's interface still asks for them
    public HttpParams getParams() {
        return client.getParams();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ClientConnectionManager getConnectionManager() {
        return client.getConnectionManager();
    }

    /** The answer's body, the deadline given up once the body is written out or its stream closed. */
    private static final class Deadlined extends HttpEntityWrapper {

        private final ScheduledFuture<?> abort;

        Deadlined(HttpEntity entity, ScheduledFuture<?> abort) {
            super(entity);
            this.abort = abort;
        }

        @Override
        public InputStream getContent() throws IOException {
            return new FilterInputStream(super.getContent()) {
                @Override
                public void close() throws IOException {
                    // closed early, the stream reads out the rest of the answer: still under the deadline
                    try {
                        super.close();
                    } finally {
                        abort.cancel(false);
                    }
                }
            };
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            try {
                super.writeTo(out);
            } finally {
                abort.cancel(false);
            }
        }
    }
}
