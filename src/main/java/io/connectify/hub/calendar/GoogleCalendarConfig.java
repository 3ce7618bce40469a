package io.connectify.hub.calendar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.api.services.calendar.CalendarScopes;
import com.google.auth.oauth2.ServiceAccountCredentials;
import io.connectify.hub.ConfigurationError;
import io.connectify.hub.resilience.ProviderResilience;
import io.connectify.hub.sandbox.GoogleCalendarSimulator;
import io.connectify.hub.sandbox.ProviderMode;
import io.connectify.hub.sandbox.SandboxServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.camel.component.google.calendar.GoogleCalendarComponent;
import org.apache.camel.component.google.calendar.GoogleCalendarConfiguration;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires camel-google-calendar: live with the configured service-account key, or sandbox with the local
 * simulator's key and root URL. Either way the same client factory and the same routes run.
 */
@Configuration(proxyBeanMethods = false)
public class GoogleCalendarConfig {

    public static final String PROVIDER = "google-calendar";

    private static final String KEY_ACTION = "Point CONNECTIFY_GCAL_KEYPATH at the JSON key file Google Cloud's console "
            + "makes for the service account (type service_account, client_email, private_key), readable by the hub; "
            + "or leave it unset for the sandbox.";

    @Bean
    GoogleCalendarConnection googleCalendarConnection(GoogleCalendarProperties properties,
                                                      ObjectProvider<SandboxServer> sandbox) {
        if (properties.live()) {
            Path key = Path.of(properties.keyPath());
            if (!Files.isReadable(key)) {
                // the path is configuration, not a secret; the key's content never appears anywhere
                throw new ConfigurationError("connectify.gcal.key-path is not a readable file", KEY_ACTION);
            }
            requireServiceAccountKey(key);
            return new GoogleCalendarConnection(true, key, null, properties.rootUrl(), null);
        }
        return GoogleCalendarConnection.sandbox(new GoogleCalendarSimulator(sandbox.getObject()));
    }

    /**
     * A live key is parsed at start as the client will parse it (google-auth's service-account reader): the client is
     * made at the first calendar call, so a broken key otherwise failed every booking instead of the start. Neither
     * the key's content nor the reader's message (which could quote it) goes into the failure; only what kind of
     * failure it was. Parsing takes milliseconds, and only a live start does it.
     */
    static void requireServiceAccountKey(Path key) {
        try (InputStream in = Files.newInputStream(key)) {
            ServiceAccountCredentials.fromStream(in);
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationError("connectify.gcal.key-path does not hold a Google service-account key that "
                    + "parses (" + e.getClass().getSimpleName() + ")", KEY_ACTION);
        }
    }

    /** The sandbox's key is made once the hub is ready: its CPU is not the start's (SandboxServiceAccount). */
    @Bean
    ApplicationListener<ApplicationReadyEvent> sandboxGoogleKeyOnReady(GoogleCalendarConnection connection) {
        return ready -> connection.simulator().ifPresent(GoogleCalendarSimulator::prepareServiceAccountKey);
    }

    @Bean
    ProviderMode googleCalendarMode(GoogleCalendarConnection connection) {
        return new ProviderMode(PROVIDER, connection.live());
    }

    @Bean
    HubGoogleCalendarClientFactory hubGoogleCalendarClientFactory(GoogleCalendarConnection connection,
                                                                  GoogleCalendarProperties properties) {
        return new HubGoogleCalendarClientFactory(connection.rootUrl(), properties.connectTimeout(),
                properties.readTimeout(), connection.awaitKey());
    }

    @Bean
    ComponentCustomizer googleCalendarComponentCustomizer(GoogleCalendarConnection connection,
                                                          GoogleCalendarProperties properties,
                                                          HubGoogleCalendarClientFactory clientFactory) {
        return ComponentCustomizer.forType(GoogleCalendarComponent.class, component -> {
            component.setClientFactory(clientFactory);
            // getConfiguration() can answer null (the component keeps its own field beside the parent's)
            var configuration = component.getConfiguration() != null ? component.getConfiguration()
                    : new GoogleCalendarConfiguration();
            configuration.setServiceAccountKey("file:" + connection.keyFile());
            configuration.setScopes(CalendarScopes.CALENDAR);
            configuration.setApplicationName(properties.applicationName());
            component.setConfiguration(configuration);
        });
    }

    /** Looked up by name by the Circuit Breaker EIP of the Google Calendar routes. */
    @Bean
    CircuitBreaker googleCalendarCircuitBreaker(ProviderResilience resilience) {
        return resilience.circuitBreaker(PROVIDER);
    }
}
