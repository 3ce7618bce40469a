package io.connectify.hub.notification;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

import com.twilio.exception.ApiException;
import io.connectify.hub.resilience.ProviderException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;

/** Which Twilio failures leave open whether the message was taken (the retry then looks it up first). */
class TwilioErrorsTest {

    @Test
    void aRequestThatWentOutAndGotNoAnswerMayHaveBeenTaken() {
        // twilio-java's NetworkHttpClient reports an I/O failure as an ApiException without status, the cause kept
        for (Exception io : new Exception[] {new SocketTimeoutException("Read timed out"),
                new NoHttpResponseException("127.0.0.1:1 failed to respond"), new java.net.SocketException("reset")}) {
            var failure = TwilioErrors.translate(new ApiException(io.getMessage(), io));
            assertThat(TwilioErrors.answerLost(failure)).as(io.getClass().getSimpleName()).isTrue();
            assertThat(((ProviderException) failure).retryable()).isTrue();
        }
    }

    @Test
    void aGatewaysBadGatewayUnavailableOrTimeoutMayHaveBeenTaken() {
        // an edge or proxy answering for a backend that timed out or dropped, maybe after it created the message
        for (int status : new int[] {502, 503, 504}) {
            var failure = TwilioErrors.translate(new ApiException("Error", null, null, status, null));
            assertThat(TwilioErrors.answerLost(failure)).as("HTTP " + status).isTrue();
            assertThat(((ProviderException) failure).retryable()).isTrue();
        }
    }

    @Test
    void aConnectionNeverMadeOrAnAnswerGivenTookNothing() {
        var refused = TwilioErrors.translate(new ApiException("Connection refused",
                new org.apache.hc.client5.http.HttpHostConnectException("Connect to 127.0.0.1:1 failed")));
        var connectTimeout = TwilioErrors.translate(new ApiException("connect timed out",
                new org.apache.hc.client5.http.ConnectTimeoutException("Connect to 127.0.0.1:1 timed out")));
        var serverError = TwilioErrors.translate(new ApiException("Error", 20500, null, 500, null));

        assertThat(TwilioErrors.answerLost(refused)).isFalse();
        assertThat(TwilioErrors.answerLost(connectTimeout)).isFalse();
        assertThat(TwilioErrors.answerLost(serverError)).isFalse();
        assertThat(((ProviderException) serverError).retryable()).isTrue();
        assertThat(ConnectException.class).isAssignableFrom(org.apache.hc.client5.http.HttpHostConnectException.class);
    }

    /**
     * HttpClient's pool gave no connection within the connection request timeout (every one busy): nothing was written,
     * so the retry sends the message again without a lookup, and POST /notifications/sms does not answer that it may
     * have gone out. Before, the exception (an InterruptedIOException, no connect failure) was taken for a lost answer.
     */
    @Test
    void aCallThatGotNoPooledConnectionInTimeTookNothing() {
        var poolWait = TwilioErrors.translate(new ApiException("Timeout deadline: 300 MILLISECONDS, actual: 301",
                new org.apache.hc.core5.http.ConnectionRequestTimeoutException(
                        "Timeout deadline: 300 MILLISECONDS, actual: 301")));

        assertThat(TwilioErrors.answerLost(poolWait)).isFalse();
        assertThat(((ProviderException) poolWait).retryable()).isTrue();
    }

    @Test
    void onlyTheRefusalsOfOneRecipientsRegionOrNumberAreNoFailureForTheBreaker() {
        for (int code : new int[] {21408, 21608}) {
            var failure = (ProviderException) TwilioErrors.translate(new ApiException("Error", code, null, 400, null));
            assertThat(failure.status()).as("error " + code).isEqualTo(502);
            assertThat(failure.refused()).as("error " + code).isTrue();
            assertThat(failure.countsAsFailure()).as("error " + code).isFalse();
        }
        // the From number itself (or the trial account's): every SMS is refused
        for (int code : new int[] {21212, 21601, 21606, 21607, 21659, 21661}) {
            var failure = (ProviderException) TwilioErrors.translate(new ApiException("Error", code, null, 400, null));
            assertThat(failure.refused()).as("error " + code).isTrue();
            assertThat(failure.countsAsFailure()).as("error " + code).isTrue();
        }
    }

    /**
     * The Messaging Service the hub sends through not found or not this account's (21701), invalid (21705), or the
     * hub's StatusCallback URL refused (21609): the hub's setup, so a provider error kept as a dead letter. Before,
     * "validation": the SMS failed for good.
     */
    @Test
    void aRefusedMessagingServiceOrStatusCallbackIsTheHubsSetupNotTheMessage() {
        for (int code : new int[] {21701, 21705, 21609}) {
            var failure = TwilioErrors.translate(new ApiException("Twilio error " + code, code, null, 400, null));
            assertThat(failure).as("error " + code).isInstanceOf(ProviderException.class);
            assertThat(((ProviderException) failure).refused()).as("error " + code).isTrue();
            assertThat(((ProviderException) failure).countsAsFailure()).as("error " + code).isTrue();
        }
    }
}
