package io.connectify.hub;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * A secret file in {@code CONNECTIFY_SECRETS_DIR} that exists but cannot be read (a dangling link, no permission for
 * the hub's user) as Spring Boot's one start-up failure block, naming the file (named like its property) and what to
 * do (registered in META-INF/spring.factories). Spring Boot's config tree lists the files at start and reads one only
 * when its property is bound: the failure came out of the binding as "Application run failed" and seven nested
 * causes, the file named only in the last; Spring Boot's own bind report could not help, as it reads the value again.
 * Told by where the failure was thrown (Spring Boot's ConfigTreePropertySource), as Spring Boot gives it no type of
 * its own. The file's content is never read here nor printed.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public class UnreadableSecretFileAnalyzer implements FailureAnalyzer {

    private static final String CONFIG_TREE = "org.springframework.boot.env.ConfigTreePropertySource";
    /** How deep in a failure's stack the config tree's frame may be: under Assert.state, or the read itself. */
    private static final int FRAMES = 3;

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (thrownByTheConfigTree(cause)) {
                return new FailureAnalysis("A secret file in CONNECTIFY_SECRETS_DIR cannot be read: "
                        + reason(cause), "Make the file readable by the hub's user (a link: point it at an existing "
                        + "file), or remove it and set its property another way (the file's name is the property's, "
                        + "such as connectify.stripe.secret-key).", cause);
            }
        }
        return null;
    }

    private static boolean thrownByTheConfigTree(Throwable cause) {
        StackTraceElement[] stack = cause.getStackTrace();
        for (int i = 0; i < Math.min(FRAMES, stack.length); i++) {
            if (stack[i].getClassName().startsWith(CONFIG_TREE)) {
                return true;
            }
        }
        return false;
    }

    /** The config tree's message ("The property file '…' no longer exists"), or the read's that it wraps. */
    private static String reason(Throwable cause) {
        Throwable read = cause.getCause();
        return read != null && read.getMessage() != null ? read.getMessage() : cause.getMessage();
    }
}
