package io.connectify.hub.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/** Puts {@link ProblemErrorReportValve} in place of Tomcat's (and Spring Boot's) HTML error report. */
@Configuration(proxyBeanMethods = false)
public class ProblemErrorReportConfig {

    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE) // after Spring Boot's customizer, which adds an ErrorReportValve of its own
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReport(ObjectMapper json,
            ObjectProvider<RestOperations> operations) {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                for (Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof ErrorReportValve) {
                        host.getPipeline().removeValve(valve);
                    }
                }
                host.getPipeline().addValve(new ProblemErrorReportValve(json, operations));
                // the host adds a valve of this class at its start only if it finds none
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
        });
    }
}
