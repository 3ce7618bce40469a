package io.connectify.hub.web;

import java.io.CharArrayWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import io.connectify.hub.resilience.ProblemResponder;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.AccessLogValve;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * With Tomcat's access log on ({@code server.tomcat.accesslog.enabled}), its request line ({@code %r}) and path
 * ({@code %U}) name a Payrexx webhook's path by its shape, {@code /webhooks/payrexx/{token}}: the path ends in the
 * webhook token. Spring Boot's valve is swapped for one that masks them, with all its settings.
 */
@Configuration(proxyBeanMethods = false)
public class PayrexxTokenAccessLogConfig {

    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE) // after Spring Boot's customizer, which adds the access log valve
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> payrexxTokenAccessLog() {
        return factory -> {
            List<Valve> valves = new ArrayList<>(factory.getEngineValves());
            valves.replaceAll(valve -> valve.getClass() == AccessLogValve.class
                    ? MaskingAccessLogValve.of((AccessLogValve) valve) : valve);
            factory.setEngineValves(valves);
        };
    }

    static final class MaskingAccessLogValve extends AccessLogValve {

        private static final String PAYREXX_PATH = ProblemResponder.masked("/webhooks/payrexx/");

        static MaskingAccessLogValve of(AccessLogValve configured) {
            MaskingAccessLogValve valve = new MaskingAccessLogValve();
            // not yet in a pipeline: nothing but its settings to take
            BeanUtils.copyProperties(configured, valve, "container", "next", "domain");
            return valve;
        }

        @Override
        protected AccessLogElement createAccessLogElement(char pattern) {
            AccessLogElement element = super.createAccessLogElement(pattern);
            return switch (pattern) {
                case 'U' -> new Masked(element, path -> PAYREXX_PATH);
                case 'r' -> new Masked(element, MaskingAccessLogValve::maskedRequestLine);
                default -> element;
            };
        }

        /**
         * A Payrexx webhook's request however its path is spelled: as received ({@code %r} and {@code %U} write it
         * so), or as Tomcat reads it, its {@code //}, {@code ./}, {@code ;…} and %-encoding resolved
         * ({@code //webhooks/payrexx/<token>} from a base URL ending in a slash reaches the same route).
         */
        static boolean payrexx(Request request) {
            return isPayrexx(request.getRequestURI()) || isPayrexx(request.getDecodedRequestURI());
        }

        private static boolean isPayrexx(String path) {
            return path != null && !path.equals(ProblemResponder.masked(path));
        }

        /** {@code METHOD URI[?query] PROTOCOL}, or "-": the URI and its query as the path's shape. */
        static String maskedRequestLine(String line) {
            int first = line.indexOf(' ');
            int last = line.lastIndexOf(' ');
            if (first < 0 || last <= first) {
                return line;
            }
            return line.substring(0, first + 1) + PAYREXX_PATH + line.substring(last);
        }

        /** {@code element} as written, or, for a Payrexx webhook's request, masked. */
        private record Masked(AccessLogElement element, UnaryOperator<String> mask)
                implements AccessLogElement {

            @Override
            public void addElement(CharArrayWriter buf, Request request, Response response, long time) {
                if (request == null || !payrexx(request)) {
                    element.addElement(buf, request, response, time);
                    return;
                }
                CharArrayWriter own = new CharArrayWriter();
                element.addElement(own, request, response, time);
                buf.append(mask.apply(own.toString()));
            }
        }
    }
}
