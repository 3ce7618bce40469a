package io.connectify.hub.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectify.hub.resilience.Problem;
import org.junit.jupiter.api.Test;

/** What the container's own error statuses become (the hub's answers through /error: BadInputTest). */
class MvcProblemHandlerTest {

    @Test
    void aConsumerThatTakesNoRequestsIs503ToAskAgainNotAnInternalError() {
        Problem stopping = MvcProblemHandler.forStatus(503, "/api/v1/prices");

        assertThat(stopping.status()).isEqualTo(503);
        assertThat(stopping.type()).isEqualTo("unavailable");
    }

    @Test
    void aClientStatusSpringDoesNotNameIsStillABadRequest() {
        Problem unnamed = MvcProblemHandler.forStatus(499, "/api/v1/prices");

        assertThat(unnamed.status()).isEqualTo(499);
        assertThat(unnamed.type()).isEqualTo("bad-request");
    }
}
