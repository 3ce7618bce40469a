package io.connectify.hub.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

/**
 * Checks the requests a fake received against a provider's official API description in {@code src/test/specs/} (vendored: a fresh clone runs the suite alone)
 * (Google Calendar, Twilio, SendGrid): a request the hub sends must be one the provider accepts.
 */
public final class OpenApiRequestValidator {

    public static final String GOOGLE_CALENDAR = "google-calendar-v3.openapi.json";
    public static final String TWILIO = "twilio-api-v2010.openapi.json";
    public static final String SENDGRID = "sendgrid-mail-v3.openapi.json";
    private static final Map<String, OpenApiInteractionValidator> VALIDATORS = new ConcurrentHashMap<>();

    private OpenApiRequestValidator() {
    }

    /** Every request to a path matching {@code pathRegex} must be valid for the description {@code spec}. */
    public static void assertValid(WireMockServer server, String spec, String pathRegex) {
        List<LoggedRequest> requests = server.findAll(
                com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
                        com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(pathRegex)));
        for (LoggedRequest logged : requests) {
            ValidationReport report = VALIDATORS.computeIfAbsent(spec, OpenApiRequestValidator::load)
                    .validateRequest(toRequest(logged));
            assertThat(report.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR))
                    .as(logged.getMethod() + " " + logged.getUrl()).isEmpty();
        }
    }

    private static OpenApiInteractionValidator load(String spec) {
        Path file = Path.of("src", "test", "specs", spec);
        assertThat(Files.isReadable(file)).as("API description at " + file.toAbsolutePath()).isTrue();
        var levels = LevelResolver.create()
                // credentials are the fakes' business; scopes and key formats are not checkable here
                .withLevel("validation.request.security", ValidationReport.Level.IGNORE);
        if (spec.equals(TWILIO)) {
            // form values are strings, but the validator reads "+41445550000" in a form body as a number and then
            // reports a type mismatch; names, required fields and formats are still checked
            levels.withLevel("validation.request.body.schema.type", ValidationReport.Level.IGNORE);
            // the Messages list's DateSent filters are typed date-time but described as GMT days (YYYY-MM-DD), and
            // twilio-java sends them as yyyy-MM-ddTHH:mm:ss without a zone, which Twilio takes; the format alone is
            // not checked
            levels.withLevel("validation.request.parameter.schema.format", ValidationReport.Level.IGNORE);
        }
        if (spec.equals(SENDGRID)) {
            // an OpenAPI 3.1 file whose info.license lacks the identifier the parser insists on: add it in memory
            return OpenApiInteractionValidator.createForInlineApiSpecification(withLicenseIdentifier(file))
                    .withLevelResolver(levels.build())
                    .build();
        }
        return OpenApiInteractionValidator.createForSpecificationUrl(file.toAbsolutePath().normalize().toUri().toString())
                .withLevelResolver(levels.build())
                .build();
    }

    private static String withLicenseIdentifier(Path file) {
        try {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            var root = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(file.toFile());
            var license = (com.fasterxml.jackson.databind.node.ObjectNode) root.with("info").with("license");
            license.remove("url");
            license.put("identifier", "MIT");
            return mapper.writeValueAsString(root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
