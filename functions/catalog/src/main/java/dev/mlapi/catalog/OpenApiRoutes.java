package dev.mlapi.catalog;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the routes of {@code openapi.yaml}: every operation, with the function named by its
 * {@code x-function} extension and whether its {@code security} requires a token. The API
 * contract is the one place routes are declared.
 */
public final class OpenApiRoutes {

    /** The operation's extension that names the function module serving it. */
    public static final String FUNCTION_EXTENSION = "x-function";

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private OpenApiRoutes() {
    }

    /** Every operation of the document, sorted by path then method; fails on one without {@code x-function}. */
    public static List<ApiRoute> read(Path openApiYaml) {
        Map<String, Object> document = load(openApiYaml);
        if (!(document.get("paths") instanceof Map<?, ?> paths)) {
            throw new IllegalArgumentException(openApiYaml + " has no 'paths'");
        }
        Object defaultSecurity = document.get("security");
        List<ApiRoute> routes = new ArrayList<>();
        paths.forEach((path, item) -> {
            if (item instanceof Map<?, ?> operations) {
                operations.forEach((key, operation) -> {
                    String method = String.valueOf(key).toLowerCase(Locale.ROOT);
                    if (METHODS.contains(method)) {
                        routes.add(new ApiRoute(method, String.valueOf(path), functionOf(operation, method, path, openApiYaml),
                                requiresToken(operation, defaultSecurity)));
                    }
                });
            }
        });
        routes.sort(Comparator.comparing(ApiRoute::path).thenComparing(ApiRoute::method));
        return List.copyOf(routes);
    }

    /**
     * OpenAPI's rule: an operation's {@code security} replaces the document's; the request must
     * satisfy one requirement of the list. An empty list ({@code security: []}) or one empty
     * requirement ({@code {}}: "or nothing") makes the token optional, so only a non-empty list of
     * non-empty requirements requires one.
     */
    private static boolean requiresToken(Object operation, Object defaultSecurity) {
        Object security = operation instanceof Map<?, ?> fields && fields.containsKey("security")
                ? fields.get("security") : defaultSecurity;
        return security instanceof List<?> requirements && !requirements.isEmpty()
                && requirements.stream().allMatch(r -> r instanceof Map<?, ?> schemes && !schemes.isEmpty());
    }

    private static String functionOf(Object operation, String method, Object path, Path source) {
        if (operation instanceof Map<?, ?> fields && fields.get(FUNCTION_EXTENSION) instanceof String function
                && !function.isBlank()) {
            return function.trim();
        }
        throw new IllegalArgumentException(source + ": operation " + method.toUpperCase(Locale.ROOT) + " " + path
                + " does not name its function in '" + FUNCTION_EXTENSION + "'");
    }

    private static Map<String, Object> load(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            Map<String, Object> document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            if (document == null) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return document;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
