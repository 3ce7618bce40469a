package io.connectify.hub.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.connectify.hub.payment.IdempotencyKeys;
import io.connectify.hub.resilience.HubException;
import io.connectify.hub.resilience.InvalidStateException;
import io.connectify.hub.resilience.Problem;
import io.connectify.hub.resilience.ProblemResponder;
import io.connectify.hub.security.ApiKeyFilter;
import io.connectify.hub.web.IdempotentRequests.Stored;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * A REST POST sent with an {@code Idempotency-Key} runs once: a repeat with the same key (the caller retrying after
 * a timeout or a lost connection) gets the first answer again, status, body and Location, marked
 * {@code Idempotent-Replayed: true}, where it booked a second slot, sent a second SMS or opened a second payment
 * page. The same key with another request (method, path, query or body; a JSON body compared by what it says, not
 * its layout: {@link RequestFingerprint}) is 409 {@code invalid-state}, and so is a
 * repeat while the first is still running (its claim renewed meanwhile: IdempotentRequests). An answer that is not
 * final (5xx, 429, or any with Retry-After: "ask again") is not kept: the repeat runs again, nor is an error the web
 * layer answers itself (404, 405: its problem is written after this filter returns). Keys are per caller
 * (API key) and kept {@code connectify.http.idempotency-key-lifetime}. After the API key check, so an unknown
 * caller claims nothing; the Stripe operations also send Stripe a key made from it ({@link IdempotencyKeys#forStripe}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 25)
public class IdempotencyKeyFilter extends HubRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeyFilter.class);

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";

    private final IdempotentRequests requests;
    private final ProblemResponder problems;

    public IdempotencyKeyFilter(IdempotentRequests requests, ProblemResponder problems) {
        this.requests = requests;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String key = request.getHeader(HEADER);
        // an empty or blank key is one given, and refused as any other bad key: before, it was taken as none and the
        // request ran unprotected (a retry sent the SMS again)
        return !"POST".equals(request.getMethod()) || key == null || !RequestPaths.under(request, "/api/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String key;
        try {
            key = IdempotencyKeys.validated(request.getHeader(HEADER));
        } catch (HubException invalid) {
            problems.write(response, Problem.of(invalid, request.getRequestURI()));
            return;
        }
        // the body size filter ran before: at most connectify.http.max-body-bytes
        byte[] body = BodySizeLimitFilter.hasNoBody(request) ? new byte[0] : request.getInputStream().readAllBytes();
        String caller = IdempotencyKeys.sha256(
                String.valueOf(request.getHeader(ApiKeyFilter.HEADER)).getBytes(StandardCharsets.UTF_8));
        String target = request.getMethod() + " " + request.getRequestURI()
                + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        // a JSON body by what it says, not its layout: a retry library re-serialising it still gets the first answer
        String fingerprint = RequestFingerprint.of(target, body);

        Answer answer = new Answer(response);
        IdempotentRequests.Claim claim;
        try {
            claim = requests.claim(caller, key, target, fingerprint);
        } catch (RuntimeException busy) {
            // the key being claimed meanwhile, or its row held past the database's lock timeout (the retention
            // sweep deleting it): 409 ask again, as in a route; any other failure a 500, logged there
            problems.write(response, problems.toProblem(busy, request.getRequestURI()));
            return;
        }
        if (claim.held() != null) {
            // the earlier version kept the raw body's fingerprint: a key it answered is still this request's
            boolean same = claim.held().fingerprint().equals(fingerprint)
                    || claim.held().fingerprint().equals(RequestFingerprint.raw(target, body));
            answerAgain(claim.held(), same, request, response);
            return;
        }
        // from here the claim is renewed while the request runs; the finally blocks end that on every way out
        boolean done = false;
        try {
            chain.doFilter(new BufferedBodyRequest(request, body), answer);
            done = true;
        } finally {
            try {
                if (done && isFinal(request, answer)) {
                    if (!requests.answered(caller, key, claim.claim(), answer.getStatus(), answer.getContentType(),
                            answer.getHeader("Location"),
                            new String(answer.getContentAsByteArray(), StandardCharsets.UTF_8))) {
                        log.warn("The answer to Idempotency-Key request {} was not kept: its claim went unrenewed for "
                                + "connectify.http.idempotency-claim-timeout and a repeat took it over, running the "
                                + "request a second time; the key keeps that one's answer", target);
                    }
                } else {
                    requests.release(caller, key, claim.claim());
                }
            } catch (RuntimeException notRecorded) {
                // the answer still goes to the caller; its key, no longer renewed, is taken over by a repeat once the
                // claim timeout has passed, which runs the request again
                log.warn("The answer to Idempotency-Key request {} could not be recorded ({})", target,
                        notRecorded.getClass().getSimpleName());
            } finally {
                requests.ended(claim.claim());
                answer.copyBodyToResponse(); // may fail, the caller gone: the claim has ended already
            }
        }
    }

    /**
     * An answer a repeat gets again: not one on the hub's side (5xx), nor one that says to ask again (429, or any
     * with Retry-After, as a lock held by another change), for which a repeat must run the request again; nor an
     * error sent to the container (Spring MVC's 404 for a path no route serves, 405 for a method it does not take),
     * whose problem+json the error page writes once this filter has returned: kept, it was a bare status with no
     * body, replayed so for the key's lifetime, and the caller's corrected request refused as another.
     */
    private static boolean isFinal(HttpServletRequest request, Answer answer) {
        int status = answer.getStatus();
        return !request.isAsyncStarted() && !answer.errorSent && status < 500 && status != 429
                && answer.getHeader("Retry-After") == null;
    }

    /** The answer as the routes write it, and whether it was left to the container's error page instead. */
    private static final class Answer extends ContentCachingResponseWrapper {

        private boolean errorSent;

        Answer(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void sendError(int status) throws IOException {
            errorSent = true;
            super.sendError(status);
        }

        @Override
        public void sendError(int status, String message) throws IOException {
            errorSent = true;
            super.sendError(status, message);
        }
    }

    private void answerAgain(Stored first, boolean sameRequest, HttpServletRequest request,
                             HttpServletResponse response) throws IOException {
        if (!sameRequest) {
            problems.write(response, Problem.of(new InvalidStateException(
                    "This Idempotency-Key was used with other parameters"), request.getRequestURI()));
        } else if (first.status() == null) {
            problems.write(response, Problem.of(new InvalidStateException(
                    "A request with this Idempotency-Key is still being processed: ask again", Duration.ofSeconds(1)),
                    request.getRequestURI()));
        } else {
            response.setStatus(first.status());
            if (first.contentType() != null) {
                response.setContentType(first.contentType());
            }
            if (first.location() != null) {
                response.setHeader("Location", first.location());
            }
            response.setHeader(REPLAYED, "true");
            if (first.body() != null) {
                response.getOutputStream().write(first.body().getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
