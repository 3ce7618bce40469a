package io.connectify.hub;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ConnectifyHubApplication {

    public static void main(String[] args) {
        SpringApplication.run(ConnectifyHubApplication.class, args);
    }
}
