package dev.mlapi.catalog;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The HTTP API's CORS settings: what API Gateway answers to a browser's preflight and adds to
 * every answer to an allowed origin. The CDK stack, {@code template.yaml} and the local server
 * read them from here; only the allowed origins are a deployment's choice (the CDK's context key
 * {@code corsAllowOrigins}, the template's {@code CorsAllowOrigins}, the local server's
 * {@code CORS_ALLOW_ORIGINS}), {@code *} by default.
 */
public final class ApiCors {

    /** Any origin, unless a deployment names its own. */
    public static final List<String> DEFAULT_ALLOW_ORIGINS = List.of("*");
    public static final List<String> ALLOW_HEADERS = List.of("authorization", "content-type");
    public static final List<String> ALLOW_METHODS = List.of("GET", "POST", "PUT", "DELETE", "OPTIONS");
    /**
     * Browsers let scripts read only these of an answer's headers (beyond the safelisted ones):
     * every header an answer in {@code openapi.yaml} declares, and the two every answer may carry
     * (the request id, and {@code retry-after} on a 429 or 503). Tested against the contract.
     */
    public static final List<String> EXPOSE_HEADERS = List.of("x-request-id", "retry-after", "location",
            "x-window-from", "x-window-to");
    /** How long a browser may reuse a preflight's answer. */
    public static final Duration MAX_AGE = Duration.ofHours(1);

    private ApiCors() {
    }

    /** Origins from a comma-separated list ({@code https://a.example, https://b.example}); blank gives the default. */
    public static List<String> origins(String commaSeparated) {
        if (commaSeparated == null) {
            return DEFAULT_ALLOW_ORIGINS;
        }
        List<String> origins = Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toList();
        return origins.isEmpty() ? DEFAULT_ALLOW_ORIGINS : origins;
    }
}
