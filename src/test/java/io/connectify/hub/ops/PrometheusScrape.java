package io.connectify.hub.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The series of a Prometheus text scrape (/actuator/prometheus), each metric's label sets. */
record PrometheusScrape(Map<String, List<Map<String, String>>> series) {

    private static final Pattern LINE = Pattern.compile("(?m)^([a-zA-Z_:][\\w:]*)(?:\\{([^}]*)})? \\S+");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:\\\\.|[^\"\\\\])*)\"");

    static PrometheusScrape of(String text) {
        Map<String, List<Map<String, String>>> series = new LinkedHashMap<>();
        Matcher line = LINE.matcher(text);
        while (line.find()) {
            Map<String, String> labels = new LinkedHashMap<>();
            if (line.group(2) != null) {
                Matcher label = LABEL.matcher(line.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2).replaceAll("\\\\(.)", "$1"));
                }
            }
            series.computeIfAbsent(line.group(1), name -> new ArrayList<>()).add(labels);
        }
        return new PrometheusScrape(series);
    }

    boolean exposes(String metric) {
        return series.containsKey(metric);
    }

    /** Whether a series of the metric has the label. */
    boolean hasLabel(String metric, String label) {
        return series.getOrDefault(metric, List.of()).stream().anyMatch(labels -> labels.containsKey(label));
    }

    /** The label's values over the metric's series. */
    List<String> values(String metric, String label) {
        return series.getOrDefault(metric, List.of()).stream().map(labels -> labels.get(label))
                .filter(java.util.Objects::nonNull).distinct().toList();
    }
}
