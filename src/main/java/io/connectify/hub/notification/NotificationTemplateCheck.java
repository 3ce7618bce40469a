package io.connectify.hub.notification;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.connectify.hub.ConfigurationError;
import io.connectify.hub.booking.BookingSaga;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

/**
 * The notification texts checked as the hub starts, not when a notice is first planned: for every kind the saga plans
 * ({@link BookingSaga#NOTICE_KINDS}), each part the planner renders ({@link NotificationTemplates#PARTS}), the
 * sentences a kind's English texts have ({@link NotificationTemplates#SENTENCES}) and the default summary, in the
 * English file and in each language's file on the classpath ({@code notifications/messages_*.properties}): the key is
 * in that language's own file (a regional file's or its language's), its text parses as a MessageFormat, and uses
 * only the arguments the renderer gives ({0} to {9}). Any failure stops the start, every problem named with its file
 * and key.
 * <p>
 * Before, a text was read only as a notice was planned: a placeholder typed {@code ${name}} threw there, after the
 * booking was confirmed, its SMS and email both lost, every redelivery failing the same way into a dead letter; and a
 * key missing in one language fell back to its English sentence, with that language's date and amount in it.
 */
@Component
public class NotificationTemplateCheck {

    /** A placeholder as written ("{1}", "{ 3 ,number}"), to count against those MessageFormat sees. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\s*\\d+\\s*[,}]");

    public NotificationTemplateCheck() {
        this(NotificationTemplates.BASENAME, BookingSaga.NOTICE_KINDS);
    }

    /** Checks the texts of {@code basename} (a classpath path without ".properties") for {@code kinds}. */
    public NotificationTemplateCheck(String basename, List<String> kinds) {
        List<String> problems = problems(basename, kinds);
        if (!problems.isEmpty()) {
            throw new ConfigurationError("The notification texts cannot be rendered (" + problems.size()
                    + " problem" + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems),
                    "Fix the texts in " + basename + "*.properties (src/main/resources): every key of "
                    + basename + ".properties in each language's file, placeholders {0} to {"
                    + (NotificationTemplates.ARGUMENTS - 1) + "} as listed there, a literal apostrophe written ''.");
        }
    }

    /** What is wrong with the texts of {@code basename} for {@code kinds}; empty: every text renders. */
    static List<String> problems(String basename, List<String> kinds) {
        ClassLoader loader = NotificationTemplateCheck.class.getClassLoader();
        Properties english = load(loader, basename + ".properties");
        List<String> problems = new ArrayList<>();
        if (english == null) {
            problems.add(basename + ".properties is not on the classpath");
            return problems;
        }
        List<String> keys = new ArrayList<>();
        for (String kind : kinds) {
            for (String part : NotificationTemplates.PARTS) {
                keys.add(kind + "." + part);
            }
            for (String sentence : NotificationTemplates.SENTENCES) {
                if (english.containsKey(kind + "." + sentence)) {
                    keys.add(kind + "." + sentence);
                }
            }
        }
        keys.add(NotificationTemplates.DEFAULT_SUMMARY);
        check(basename + ".properties", english, null, Locale.ENGLISH, keys, problems);
        for (String suffix : languages(basename)) {
            Properties own = load(loader, basename + "_" + suffix + ".properties");
            int region = suffix.indexOf('_');
            Properties language = region < 0 ? null
                    : load(loader, basename + "_" + suffix.substring(0, region) + ".properties");
            check(basename + "_" + suffix + ".properties", own, language,
                    Locale.forLanguageTag(suffix.replace('_', '-')), keys, problems);
        }
        return problems;
    }

    private static void check(String file, Properties texts, Properties parent, Locale locale, List<String> keys,
                              List<String> problems) {
        for (String key : keys) {
            String text = texts.getProperty(key, parent == null ? null : parent.getProperty(key));
            if (text == null) {
                problems.add(file + ": " + key + " is missing (it would be rendered in English, with this "
                        + "language's date and amount)");
                continue;
            }
            String problem = problem(text, locale);
            if (problem != null) {
                problems.add(file + ": " + key + " " + problem);
            }
        }
    }

    /** Why {@code text} does not render as a MessageFormat with the renderer's arguments; null: it does. */
    static String problem(String text, Locale locale) {
        MessageFormat format;
        try {
            format = new MessageFormat(text, locale);
        } catch (IllegalArgumentException unparsable) {
            return "does not parse as a MessageFormat (" + unparsable.getMessage() + "): placeholders are {0} to {"
                    + (NotificationTemplates.ARGUMENTS - 1) + "}, never ${name}";
        }
        if (format.getFormatsByArgumentIndex().length > NotificationTemplates.ARGUMENTS) {
            return "uses {" + (format.getFormatsByArgumentIndex().length - 1) + "}: the texts are given {0} to {"
                    + (NotificationTemplates.ARGUMENTS - 1) + "} only";
        }
        int written = 0;
        for (Matcher m = PLACEHOLDER.matcher(text); m.find(); ) {
            written++;
        }
        if (format.getFormats().length < written) {
            return "has a single apostrophe that quotes a placeholder (it would be sent as written): write a "
                    + "literal apostrophe as ''";
        }
        return null;
    }

    /** The suffixes of the languages' files ("de", "de_CH") of {@code basename} on the classpath. */
    private static TreeSet<String> languages(String basename) {
        TreeSet<String> suffixes = new TreeSet<>();
        String name = basename.substring(basename.lastIndexOf('/') + 1) + "_";
        try {
            for (Resource r : new PathMatchingResourcePatternResolver(NotificationTemplateCheck.class.getClassLoader())
                    .getResources("classpath*:" + basename + "_*.properties")) {
                String file = r.getFilename();
                if (file != null && file.startsWith(name) && file.endsWith(".properties")) {
                    suffixes.add(file.substring(name.length(), file.length() - ".properties".length()));
                }
            }
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
        return suffixes;
    }

    /** The file as ResourceBundle reads it (the first on the classpath), in UTF-8; null if there is none. */
    private static Properties load(ClassLoader loader, String path) {
        URL url = loader.getResource(path);
        if (url == null) {
            return null;
        }
        Properties texts = new Properties();
        try (Reader in = new InputStreamReader(url.openStream(), StandardCharsets.UTF_8)) {
            texts.load(in);
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
        return texts;
    }
}
