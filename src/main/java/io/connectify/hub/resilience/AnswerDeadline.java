package io.connectify.hub.resilience;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * The read timeout as the limit of the whole answer, for Apache HttpClient 5 (Twilio's client, camel-http's Payrexx
 * and SendGrid, the hub's Stripe client; Google's HttpClient 4: {@link AnswerDeadlineHttpClient4}): from the
 * request's sending to the last byte of its answer. HttpClient's own read (response, socket) timeout bounds only the
 * wait for each next packet, so a provider or proxy that trickles its answer (a byte every few seconds) held one
 * attempt, and the queue consumer or request thread making it, for as long as it trickled,
 * whatever the read timeout. At the deadline the connection is closed: the attempt fails as a read timeout does (an
 * I/O failure, the answer lost), and the hub's retry policy decides what follows.
 */
public final class AnswerDeadline implements ExecChainHandler {

    /** Where the chain gets it: after the connection is made (bounded by the connect timeout), before the request. */
    static final String NAME = "connectify-answer-deadline";

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Duration limit;

    private AnswerDeadline(Duration limit) {
        this.limit = limit;
    }

    /** {@code builder}'s requests each answered within {@code limit}, or their connection closed. */
    public static HttpClientBuilder on(HttpClientBuilder builder, Duration limit) {
        return builder.addExecInterceptorBefore(ChainElement.MAIN_TRANSPORT.name(), NAME, new AnswerDeadline(limit));
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        // discarding the endpoint closes its socket, which ends a read blocked on it; once the answer was read and the
        // connection given back to the pool, the runtime holds no endpoint and this does nothing
        ScheduledFuture<?> abort = at(limit, scope.execRuntime::discardEndpoint);
        try {
            ClassicHttpResponse response = chain.proceed(request, scope);
            HttpEntity entity = response.getEntity();
            if (entity == null) {
                abort.cancel(false);
            } else {
                // the body is read after this returns: the deadline holds until the answer is closed
                response.setEntity(new HttpEntityWrapper(entity) {
                    @Override
                    public void close() throws IOException {
                        // closed before its end, the body is read out to free the connection: still under the deadline
                        try {
                            super.close();
                        } finally {
                            abort.cancel(false);
                        }
                    }
                });
            }
            return response;
        } catch (IOException | HttpException | RuntimeException e) {
            abort.cancel(false);
            throw e;
        }
    }

    /** {@code abort} run once {@code limit} has passed, on the deadlines' one timer thread. */
    static ScheduledFuture<?> at(Duration limit, Runnable abort) {
        return TIMER.schedule(abort, limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static ScheduledThreadPoolExecutor timer() {
        var timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, NAME);
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }
}
