package io.connectify.hub;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.system.SystemProperties;
import org.springframework.boot.web.context.WebServerPortFileWriter;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ConnectifyHubApplication {

    /**
     * Spring Boot's system property (or environment variable) naming the file where {@link WebServerPortFileWriter}
     * writes the port the web server bound; unset, no file is written (the writer's default is application.port in
     * the working directory, which may be read-only in a container).
     */
    static final String PORT_FILE = "PORTFILE";

    public static void main(String[] args) {
        // the JDK's HttpURLConnection (stripe-java's transport) silently re-sends a POST once when a connection
        // drops: the hub's retry policy decides instead, so a payment request is never sent twice behind its back
        System.setProperty("sun.net.http.retryPost", "false");
        SpringApplication hub = new SpringApplication(ConnectifyHubApplication.class);
        if (SystemProperties.get(PORT_FILE) != null) {
            // a start on server.port=0 (the packaged-hub tests) tells the port it bound, rather than its starter
            // picking a free one for it that another process could take before the hub binds it
            hub.addListeners(new WebServerPortFileWriter());
        }
        try {
            hub.run(args);
        } catch (SpringApplication.AbandonedRunException aotProcessing) {
            // the build's AOT processing (process-aot) runs main and ends the run so, on purpose, once the context
            // is prepared: its own end, not a failed start
            throw aotProcessing;
        } catch (RuntimeException failed) {
            // Spring Boot has reported it ("Application run failed", or its start-up failure block) and closed the
            // context: exit 1 now, for the container to restart. Before, the JVM stayed up serving nothing while a
            // thread that is no daemon lived on (the webhook inbox's journal timer for good, Artemis's in-VM
            // connector pool for a minute)
            System.exit(1);
        }
    }
}
