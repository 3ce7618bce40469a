package io.connectify.hub.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelExecutionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.jdbc.UncategorizedSQLException;

class ProblemResponderTest {

    private final ProblemResponder problems = new ProblemResponder(new ObjectMapper());

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql", "other"})
    void aLockTheDatabaseGaveUpWaitingForIsAConflictToAskAgainNotAnInternalError(String database) {
        // how Spring 6 translates H2 2.3's lock timeout (a SQLTimeoutException), PostgreSQL's lock_timeout (SQLState
        // 55P03, which it leaves uncategorized) and other databases' lock failures
        RuntimeException timeout = switch (database) {
            case "h2" -> new QueryTimeoutException("PreparedStatementCallback; Timeout trying to lock table "
                    + "BOOKING_LOCK",
                    new java.sql.SQLTimeoutException("Timeout trying to lock table BOOKING_LOCK", "HYT00", 50200));
            case "postgresql" -> new UncategorizedSQLException("PreparedStatementCallback",
                    "SELECT name FROM booking_lock WHERE name = 'slots' FOR UPDATE",
                    new java.sql.SQLException("ERROR: canceling statement due to lock timeout", "55P03"));
            default -> new CannotAcquireLockException("Timeout trying to lock table BOOKING_LOCK");
        };
        var failure = new CamelExecutionException("booking failed", null, timeout);

        Problem problem = problems.toProblem(failure, "/api/v1/bookings");

        assertThat(problem.status()).isEqualTo(409);
        assertThat(problem.type()).isEqualTo("invalid-state");
        assertThat(problem.detail()).endsWith("ask again").doesNotContain("BOOKING_LOCK");
        // says so in Retry-After: an Idempotency-Key's answer that is not kept, so the repeat runs again
        assertThat(problem.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(1));
    }

    @org.junit.jupiter.api.Test
    void aStatementThatTimedOutIsNoLockToAskAgainAbout() {
        // PostgreSQL's statement_timeout on a slow query: SQLState 57014, no lock anyone held
        var failure = new CamelExecutionException("booking failed", null, new QueryTimeoutException("slow",
                new java.sql.SQLTimeoutException("canceling statement due to statement timeout", "57014", 0)));

        assertThat(problems.toProblem(failure, "/api/v1/bookings").status()).isEqualTo(500);
    }
}
