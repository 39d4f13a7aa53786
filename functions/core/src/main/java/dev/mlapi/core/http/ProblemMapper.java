package dev.mlapi.core.http;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.Redaction;
import dev.mlapi.core.json.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders every error as RFC 9457 problem+json, for Lambda and the local server alike.
 * Unexpected exceptions become a 500 whose detail names only the request id, never a stack trace;
 * details and field errors pass through {@link Redaction}, the same step as the request log.
 */
public final class ProblemMapper {

    public static final String TYPE_PREFIX = "https://mlapi.dev/problems/";

    private ProblemMapper() {
    }

    /** The problem for {@code e}, with a {@code Retry-After} header (whole seconds) when it is temporary. */
    public static ApiResponse render(ApiException e, String instance, String requestId) {
        ApiResponse problem = problem(e.status(), e.slug(), e.title(), e.detail(), instance, requestId, e.errors());
        return e.retryAfter()
                .map(wait -> problem.withHeader("retry-after", Long.toString(retryAfterSeconds(wait))))
                .orElse(problem);
    }

    /** Delta-seconds, at least 1: {@code Retry-After: 0} would invite an immediate retry. */
    static long retryAfterSeconds(Duration wait) {
        long millis = Math.max(wait.toMillis(), 1);
        return (millis + 999) / 1000;
    }

    public static ApiResponse internalError(String instance, String requestId) {
        return problem(500, "internal-error", "Internal server error",
                "an unexpected error occurred; quote request id " + requestId + " when reporting it",
                instance, requestId, List.of());
    }

    public static ApiResponse problem(int status, String slug, String title, String detail, String instance,
            String requestId, List<ApiException.FieldError> errors) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_PREFIX + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", Redaction.redact(detail));
        body.put("instance", instance);
        body.put("request_id", requestId);
        if (!errors.isEmpty()) {
            body.put("errors", errors.stream()
                    .map(e -> new ApiException.FieldError(e.field(), Redaction.redact(e.message()))).toList());
        }
        return new ApiResponse(status, Map.of("content-type", ApiResponse.PROBLEM_JSON), Json.write(body));
    }
}
