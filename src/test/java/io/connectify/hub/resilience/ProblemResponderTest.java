package io.connectify.hub.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;

class ProblemResponderTest {

    private final ProblemResponder problems = new ProblemResponder(new ObjectMapper());

    @Test
    void aLockTheDatabaseGaveUpWaitingForIsAConflictToAskAgainNotAnInternalError() {
        var failure = new CamelExecutionException("booking failed", null,
                new CannotAcquireLockException("Timeout trying to lock table BOOKING_LOCK"));

        Problem problem = problems.toProblem(failure, "/api/v1/bookings");

        assertThat(problem.status()).isEqualTo(409);
        assertThat(problem.type()).isEqualTo("invalid-state");
        assertThat(problem.detail()).endsWith("ask again").doesNotContain("BOOKING_LOCK");
        // says so in Retry-After: an Idempotency-Key's answer that is not kept, so the repeat runs again
        assertThat(problem.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(1));
    }
}
