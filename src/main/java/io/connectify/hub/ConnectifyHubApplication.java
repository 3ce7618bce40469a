package io.connectify.hub;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ConnectifyHubApplication {

    public static void main(String[] args) {
        // the JDK's HttpURLConnection (stripe-java's transport) silently re-sends a POST once when a connection
        // drops: the hub's retry policy decides instead, so a payment request is never sent twice behind its back
        System.setProperty("sun.net.http.retryPost", "false");
        SpringApplication.run(ConnectifyHubApplication.class, args);
    }
}
