package io.connectify.hub.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * Checks every Calendar request a fake received against Google's official API description in
 * {@code ../shared/specs/}: a request the hub sends must be one Google accepts.
 */
public final class GoogleRequestValidator {

    private static final Path SPEC = Path.of("..", "shared", "specs", "google-calendar-v3.openapi.json");
    private static OpenApiInteractionValidator validator;

    private GoogleRequestValidator() {
    }

    public static void assertValid(WireMockServer server) {
        List<LoggedRequest> requests = server.findAll(
                com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                        com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/calendar/v3/.*")));
        for (LoggedRequest logged : requests) {
            ValidationReport report = validator().validateRequest(toRequest(logged));
            assertThat(report.getMessages()).as(logged.getMethod() + " " + logged.getUrl()).isEmpty();
        }
    }

    private static synchronized OpenApiInteractionValidator validator() {
        if (validator == null) {
            assertThat(Files.isReadable(SPEC)).as("Google Calendar API description at " + SPEC.toAbsolutePath()).isTrue();
            validator = OpenApiInteractionValidator.createForSpecificationUrl(SPEC.toUri().toString())
                    // the hub authenticates with OAuth2 bearer tokens; the spec's scopes are not checkable here
                    .withLevelResolver(LevelResolver.create()
                            .withLevel("validation.request.security", ValidationReport.Level.IGNORE)
                            .build())
                    .build();
        }
        return validator;
    }

    private static Request toRequest(LoggedRequest logged) {
        String url = logged.getUrl();
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        var builder = new SimpleRequest.Builder(logged.getMethod().getName(), path);
        logged.getQueryParams().forEach((name, values) -> builder.withQueryParam(name, values.values()));
        logged.getHeaders().all().forEach(h -> builder.withHeader(h.key(), h.values()));
        if (logged.getBodyAsString() != null && !logged.getBodyAsString().isEmpty()) {
            builder.withBody(logged.getBodyAsString());
        }
        return builder.build();
    }
}
