package dev.mlapi.core.http;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A route as API Gateway writes it ({@code GET /models/{name}/versions/{version}}), matched
 * against a concrete method and path the way API Gateway does: literal segments exactly,
 * {@code {name}} one segment, {@code {name+}} the rest of the path.
 */
public record RouteTemplate(String method, String path, String[] segments) {

    public static RouteTemplate parse(String routeKey) {
        String[] parts = routeKey.trim().split("\\s+", 2);
        if (parts.length != 2 || !parts[1].startsWith("/")) {
            throw new IllegalArgumentException("not a route key: '" + routeKey + "'");
        }
        return new RouteTemplate(parts[0].toUpperCase(Locale.ROOT), parts[1], split(parts[1]));
    }

    public String routeKey() {
        return method + " " + path;
    }

    /** The path parameters if {@code rawPath} matches this template's path (any method). */
    public Optional<Map<String, String>> matchPath(String rawPath) {
        String[] actual = split(rawPath);
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < segments.length; i++) {
            String expected = segments[i];
            if (expected.startsWith("{") && expected.endsWith("+}")) {
                if (i >= actual.length) {
                    return Optional.empty();
                }
                parameters.put(expected.substring(1, expected.length() - 2), String.join("/",
                        Arrays.copyOfRange(actual, i, actual.length)));
                return Optional.of(parameters);
            }
            if (i >= actual.length) {
                return Optional.empty();
            }
            if (expected.startsWith("{") && expected.endsWith("}")) {
                if (actual[i].isEmpty()) {
                    return Optional.empty();
                }
                parameters.put(expected.substring(1, expected.length() - 1), decode(actual[i]));
            } else if (!expected.equals(actual[i])) {
                return Optional.empty();
            }
        }
        return actual.length == segments.length ? Optional.of(parameters) : Optional.empty();
    }

    /** Literal segments outrank parameters, so {@code /auth/users/me} wins over {@code /auth/users/{username}}. */
    public int specificity() {
        int score = 0;
        for (String segment : segments) {
            score = score * 2 + (segment.startsWith("{") ? 0 : 1);
        }
        return score;
    }

    private static String[] split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RouteTemplate t && t.routeKey().equals(routeKey());
    }

    @Override
    public int hashCode() {
        return routeKey().hashCode();
    }

    @Override
    public String toString() {
        return routeKey();
    }
}
