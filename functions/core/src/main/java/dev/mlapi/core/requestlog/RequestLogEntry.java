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
        Instant expiresAt) {

    /** This entry under another id (all else equal). */
    public RequestLogEntry withRequestId(String id) {
        return new RequestLogEntry(id, createdAt, route, method, path, user, statusCode, processingTime, inputSize,
                imageUrl, imageWidth, imageHeight, model, result, errorMessage, sourceIp, expiresAt);
    }
}
