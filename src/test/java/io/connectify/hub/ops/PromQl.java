package io.connectify.hub.ops;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a PromQL expression of the dashboard or the alert rules reads: the series it selects (by any metric name, with
 * their label matchers), the labels it groups or matches by, and the labels it makes itself. A small lexer, no full
 * parser: enough to check the expressions against a scrape, where a regular expression over metric names missed every
 * metric of a prefix it did not list.
 */
record PromQl(List<Selector> selectors, Set<String> groupingLabels, Set<String> createdLabels) {

    /** A metric as the expression selects it, at {@code start} in the expression. */
    record Selector(String metric, int start, List<LabelMatcher> matchers) {
    }

    /** {@code label op "value"}, op one of =, !=, =~, !~. */
    record LabelMatcher(String label, String op, String value) {

        @Override
        public String toString() {
            return label + op + "\"" + value + "\"";
        }
    }

    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");
    private static final Pattern MATCHER = Pattern.compile(
            "([a-zA-Z_]\\w*)\\s*(=~|!~|!=|=)\\s*\"((?:\\\\.|[^\"\\\\])*)\"");

    static PromQl parse(String expr) {
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        Set<String> created = new LinkedHashSet<>();
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = endOfString(expr, i);
            } else if (c == '[') {
                i = expr.indexOf(']', i) + 1; // a range or subquery: durations, no names
            } else if (c == '{') {
                i = endOfBraces(expr, i); // a selector by labels alone: none here
            } else if (Character.isDigit(c) || c == '.') {
                do {
                    i++;
                } while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.'));
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_'
                        || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = skipSpaces(expr, i);
                boolean call = next < expr.length() && expr.charAt(next) == '(';
                if (GROUPING.contains(word)) {
                    if (call) {
                        int close = expr.indexOf(')', next);
                        for (String label : expr.substring(next + 1, close).split(",")) {
                            if (!label.isBlank()) {
                                grouping.add(label.trim());
                            }
                        }
                        i = close + 1;
                    }
                } else if (AGGREGATIONS.contains(word) || call) {
                    if (call && (word.equals("label_replace") || word.equals("label_join")
                            || word.equals("count_values"))) {
                        created.add(firstStringArgument(expr, next));
                    }
                } else if (!KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    List<LabelMatcher> matchers = List.of();
                    if (next < expr.length() && expr.charAt(next) == '{') {
                        i = endOfBraces(expr, next);
                        matchers = matchers(expr.substring(next + 1, i - 1));
                    }
                    selectors.add(new Selector(word, start, matchers));
                }
            } else {
                i++;
            }
        }
        return new PromQl(List.copyOf(selectors), grouping, created);
    }

    /** The metric names the expression reads, {@code up} (Prometheus's own) left out. */
    Set<String> metrics() {
        Set<String> metrics = new LinkedHashSet<>();
        selectors.stream().map(Selector::metric).filter(name -> !name.equals("up")).forEach(metrics::add);
        return metrics;
    }

    private static List<LabelMatcher> matchers(String inBraces) {
        List<LabelMatcher> matchers = new ArrayList<>();
        Matcher matcher = MATCHER.matcher(inBraces);
        while (matcher.find()) {
            matchers.add(new LabelMatcher(matcher.group(1), matcher.group(2),
                    matcher.group(3).replaceAll("\\\\(.)", "$1")));
        }
        return matchers;
    }

    private static String firstStringArgument(String expr, int open) {
        int depth = 0;
        for (int i = open; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '{') {
                i = endOfBraces(expr, i) - 1;
            } else if (c == '"' && depth == 1) {
                return expr.substring(i + 1, endOfString(expr, i) - 1);
            }
        }
        throw new IllegalArgumentException("no string argument at " + open + " of " + expr);
    }

    private static int endOfString(String expr, int open) {
        char quote = expr.charAt(open);
        int i = open + 1;
        while (expr.charAt(i) != quote) {
            i += expr.charAt(i) == '\\' && quote != '`' ? 2 : 1;
        }
        return i + 1;
    }

    private static int endOfBraces(String expr, int open) {
        int i = open + 1;
        while (expr.charAt(i) != '}') {
            i = expr.charAt(i) == '"' ? endOfString(expr, i) : i + 1;
        }
        return i + 1;
    }

    private static int skipSpaces(String expr, int i) {
        while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
            i++;
        }
        return i;
    }
}
