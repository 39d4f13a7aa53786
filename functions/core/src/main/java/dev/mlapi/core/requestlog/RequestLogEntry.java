package dev.mlapi.core.requestlog;

import java.time.Instant;
import java.util.Optional;

/**
 * One request as the history, report and stats read it back.
 *
 * @param route          the route key, e.g. {@code POST /classify}
 * @param user           the authenticated username, empty for anonymous or refused callers
 * @param processingTime seconds spent inside the handler
 * @param inputSize      request body size in bytes
 * @param model          the model the request named or served, as {@code name:version}
 * @param modelRole      for a request a model served (classify, predict): the role of the version that
 *                       served it in its alias ({@code stable}, {@code canary} or {@code shadow}); a
 *                       version named directly serves as {@code stable}
 * @param inputCounts    for a tabular prediction of a model with a drift baseline: how many of its rows fell in
 *                       each of the baseline's buckets ({@code dev.mlapi.core.drift.InputCounts}'s encoding)
 */
public record RequestLogEntry(
        String requestId,
        Instant createdAt,
        String route,
        String method,
        String path,
        Optional<String> user,
        int statusCode,
        double processingTime,
        long inputSize,
        Optional<String> imageUrl,
        Optional<Integer> imageWidth,
        Optional<Integer> imageHeight,
        Optional<String> model,
        Optional<String> result,
        Optional<String> errorMessage,
        Optional<String> sourceIp,
        Instant expiresAt,
        Optional<String> modelRole,
        Optional<String> inputCounts) {

    /** An entry without input counts (every request but a tabular prediction, and those logged before them). */
    public RequestLogEntry(String requestId, Instant createdAt, String route, String method, String path,
            Optional<String> user, int statusCode, double processingTime, long inputSize, Optional<String> imageUrl,
            Optional<Integer> imageWidth, Optional<Integer> imageHeight, Optional<String> model,
            Optional<String> result, Optional<String> errorMessage, Optional<String> sourceIp, Instant expiresAt,
            Optional<String> modelRole) {
        this(requestId, createdAt, route, method, path, user, statusCode, processingTime, inputSize, imageUrl,
                imageWidth, imageHeight, model, result, errorMessage, sourceIp, expiresAt, modelRole, Optional.empty());
    }

    /** An entry no model served (or logged before roles were): no {@link #modelRole}. */
    public RequestLogEntry(String requestId, Instant createdAt, String route, String method, String path,
            Optional<String> user, int statusCode, double processingTime, long inputSize, Optional<String> imageUrl,
            Optional<Integer> imageWidth, Optional<Integer> imageHeight, Optional<String> model,
            Optional<String> result, Optional<String> errorMessage, Optional<String> sourceIp, Instant expiresAt) {
        this(requestId, createdAt, route, method, path, user, statusCode, processingTime, inputSize, imageUrl,
                imageWidth, imageHeight, model, result, errorMessage, sourceIp, expiresAt, Optional.empty());
    }

    /**
     * The version that served the request, as {@code name:version}: present only for a request a
     * model served (one with a {@link #modelRole}).
     */
    public Optional<String> servedVersion() {
        return modelRole.isPresent() ? model : Optional.empty();
    }

    /** This entry under another id (all else equal). */
    public RequestLogEntry withRequestId(String id) {
        return new RequestLogEntry(id, createdAt, route, method, path, user, statusCode, processingTime, inputSize,
                imageUrl, imageWidth, imageHeight, model, result, errorMessage, sourceIp, expiresAt, modelRole, inputCounts);
    }
}
