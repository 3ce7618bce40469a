package io.connectify.hub;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks of configured values, run by the properties records as Spring Boot binds them at start: a value the hub
 * cannot work with stops the start with a message that names the property, instead of failing later at run time or
 * not at all. Each refusal is a {@link ConfigurationError} (its action names the environment variable), a start-up
 * report of one block whether the check runs as a record is bound or as a bean is made. Plain comparisons only (no validator to bootstrap, no name lookup): the start's time is benchmarked.
 */
public final class PropertyChecks {

    /** Why an interval of 0 is refused: Camel's timer takes period 0 as "fire once". */
    public static final String TIMER = "how often a timer runs; Camel runs a timer of 0 once and never again";

    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    /** What a redirect URL's {bookingId} is replaced with for its check: a booking id's form. */
    private static final String SAMPLE_BOOKING_ID = "00000000-0000-0000-0000-000000000000";
    /** A provider's template variable in a redirect URL, such as Stripe's {CHECKOUT_SESSION_ID}. */
    private static final Pattern PROVIDER_VARIABLE = Pattern.compile("\\{[A-Za-z_]+}");
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "[::1]", "[0:0:0:0:0:0:0:1]");

    private PropertyChecks() {
    }

    /** {@code value}, which must be set and longer than zero. */
    public static Duration positive(String property, Duration value, String why) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw ConfigurationError.invalid(property + " must be longer than 0 (" + why + "), not "
                    + (value == null ? "empty" : value));
        }
        return value;
    }

    /** {@code value}, which may be unset (null) but not negative. */
    public static Duration notNegative(String property, Duration value, String why) {
        if (value != null && value.isNegative()) {
            throw ConfigurationError.invalid(property + " must not be negative (" + why + "), not " + value);
        }
        return value;
    }

    /** {@code value}, which must be set and at least {@code least}. */
    public static Duration atLeast(String property, Duration value, Duration least, String why) {
        if (value == null || value.compareTo(least) < 0) {
            throw ConfigurationError.invalid(property + " must be at least " + least + " (" + why + "), not "
                    + (value == null ? "empty" : value));
        }
        return value;
    }

    public static long atLeast(String property, long value, long least, String why) {
        if (value < least) {
            throw ConfigurationError.invalid(property + " must be at least " + least + " (" + why + "), not "
                    + value);
        }
        return value;
    }

    /** {@code value} trimmed and in lower case, which must be one of {@code allowed} (compared so). */
    public static String oneOf(String property, String value, List<String> allowed) {
        String normalized = value == null ? null : value.trim().toLowerCase(Locale.ROOT);
        if (normalized == null || !allowed.contains(normalized)) {
            throw ConfigurationError.invalid(property + " must be one of " + String.join(", ", allowed) + ", not "
                    + (value == null || value.isBlank() ? "empty" : "'" + value + "'"));
        }
        return normalized;
    }

    /** null for a blank value: an environment variable set to nothing binds as "", which means "not set". */
    public static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /**
     * A provider's credentials without the one that decides its mode: refused, since the provider would run in
     * sandbox mode and ignore them while the operator believes it live (say a Payrexx webhook token set and its API
     * key forgotten). {@code credentials}: property names, each followed by its value (null when unset).
     */
    public static void noCredentialsWithoutTheMode(String modeProperty, String modeVariable, String... credentials) {
        List<String> set = new ArrayList<>();
        for (int i = 0; i < credentials.length; i += 2) {
            if (credentials[i + 1] != null) {
                set.add(credentials[i]);
            }
        }
        if (!set.isEmpty()) {
            throw new ConfigurationError(String.join(" and ", set) + (set.size() == 1 ? " is" : " are")
                    + " set but " + modeProperty + " is not: without it the provider runs in sandbox mode and ignores "
                    + (set.size() == 1 ? "it" : "them") + ". Set " + modeVariable + " to go live, or remove "
                    + (set.size() == 1 ? "it" : "them") + " for the sandbox", "Set " + modeVariable + " to go live, "
                    + "or remove " + String.join(" and ", set) + " for the sandbox.");
        }
    }

    /**
     * A provider's API address in live mode: https, or plain http to this machine only (a fake or a local proxy), so a
     * leftover test override cannot send a live credential in clear text to another host.
     */
    public static void secureOrLoopback(String property, String url) {
        URI uri = uri(property, url);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean loopbackHttp = "http".equalsIgnoreCase(uri.getScheme()) && loopback(uri.getHost());
        if (!https && !loopbackHttp) {
            throw ConfigurationError.invalid(property + " must be an https URL (or http to a loopback address) "
                    + "while the provider is live, not " + uri.getScheme() + "://" + uri.getHost()
                    + ": the live credentials go with every request to it");
        }
    }

    /**
     * An address the hub hands to a provider to call back (not one it sends credentials to): https, or plain http to
     * this machine only (a test's loopback address). {@code why}: what the provider requires of it.
     */
    public static void httpsOrLoopback(String property, String url, String why) {
        URI uri = uri(property, url);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean loopbackHttp = "http".equalsIgnoreCase(uri.getScheme()) && loopback(uri.getHost());
        if (!https && !loopbackHttp) {
            throw ConfigurationError.invalid(property + " must be an https URL (or http to a loopback address, for "
                    + "tests), not " + uri.getScheme() + "://" + uri.getHost() + ": " + why);
        }
    }

    /**
     * An address the hub hands to a provider to call back, which may be plain http (a TLS-terminating proxy's own
     * concern): set, absolute, http or https. {@code why}: what goes wrong without it.
     */
    public static void absoluteHttp(String property, String url, String why) {
        URI uri;
        try {
            uri = uri(property, url);
        } catch (IllegalArgumentException e) {
            throw ConfigurationError.invalid(property, e.getMessage() + " (an absolute http or https URL): " + why);
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())) {
            throw ConfigurationError.invalid(property + " must be an absolute http or https URL, not "
                    + uri.getScheme() + "://" + uri.getHost() + ": " + why);
        }
    }

    /**
     * A live provider's redirect URL (where its payment page sends the customer): an absolute http or https URL once
     * its {@code {bookingId}} is put in. Checked at start: before, '', 'not a url' or 'ftp://...' were taken and
     * failed at a customer's payment, or sent the customer nowhere.
     */
    public static void redirectUrl(String property, String template) {
        // the provider's own template variables (Stripe's {CHECKOUT_SESSION_ID}, which Stripe fills in) pass as a
        // sample value: java.net.URI refuses braces, and the hub sends the template on with {bookingId} put in only
        absoluteHttp(property, template == null ? null
                        : PROVIDER_VARIABLE.matcher(template.replace("{bookingId}", SAMPLE_BOOKING_ID)).replaceAll("x"),
                "the provider sends the customer there after the payment page ({bookingId} is the booking's id)");
    }


    /** {@code url} without trailing slashes, for appending a path; null stays null. */
    public static String withoutTrailingSlash(String url) {
        return url == null ? null : url.replaceAll("/+$", "");
    }

    /** The properties among {@code urls} (property to URL) that point at this machine, in their order. */
    public static List<String> pointingAtLocalhost(Map<String, String> urls) {
        List<String> local = new ArrayList<>();
        urls.forEach((property, url) -> {
            if (url != null && !url.isBlank()) {
                try {
                    // redirect URLs hold a {bookingId} template, which URI would refuse
                    if (loopback(URI.create(url.trim().replace("{", "").replace("}", "")).getHost())) {
                        local.add(property);
                    }
                } catch (IllegalArgumentException unparsable) {
                    // not this check's business: the properties' own checks refuse it at start (redirectUrl)
                }
            }
        });
        return local;
    }

    /** localhost, 127.0.0.0/8 or ::1 by its literal form: no name is looked up. */
    static boolean loopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return LOOPBACK_NAMES.contains(h) || h.equals("::1") || LOOPBACK_V4.matcher(h).matches();
    }

    private static URI uri(String property, String url) {
        if (url == null || url.isBlank()) {
            throw ConfigurationError.invalid(property + " must be set");
        }
        try {
            URI uri = URI.create(url.trim());
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw ConfigurationError.invalid(property + " is not an absolute URL");
        }
    }
}
