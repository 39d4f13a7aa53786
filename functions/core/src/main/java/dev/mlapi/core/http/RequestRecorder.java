package dev.mlapi.core.http;

import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.Redaction;
import dev.mlapi.core.observability.RequestMeasurement;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.requestlog.RequestLog;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.runtime.AfterResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging, {@link ApiPipeline}'s last step for every answer, also 400/401/403/404: exactly one
 * request-log entry (written where {@link AfterResponse} says: before the answer, or after it in
 * Lambda), one metrics record, one log line, and the {@code X-Request-Id} header; then, for a
 * successful answer, the work the route left for after it ({@link ApiRequest#afterAnswer}). For priming's
 * synthetic requests the entry and the record are only rehearsed.
 */
final class RequestRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(RequestRecorder.class);

    private final Supplier<RequestLog> requestLog;
    private final Duration retention;
    private final AfterResponse afterResponse;

    RequestRecorder(Supplier<RequestLog> requestLog, Duration retention, AfterResponse afterResponse) {
        this.requestLog = requestLog;
        this.retention = retention;
        this.afterResponse = afterResponse;
    }

    /** Records the answer and returns it with its request id. */
    ApiResponse finish(Invocation invocation, ApiRequest request, String routeKey, ApiResponse response,
            Optional<String> error, long started) {
        Duration latency = Duration.ofNanos(System.nanoTime() - started);
        RequestMeasurement measurement = new RequestMeasurement(invocation.function(), routeKey, response.status(),
                latency, invocation.coldStart(), request.requestId());
        if (invocation.rehearsal()) {
            requestLog.get().rehearse(entry(request, response.status(), latency.toNanos() / 1e9, error));
            Telemetry.rehearse(measurement);
            LOG.debug("primed with {} {}: {}", request.method(), request.path(), response.status());
            return response.withHeader("x-request-id", request.requestId());
        }
        afterResponse.defer(invocation.id(), () -> record(request, response.status(), latency.toNanos() / 1e9, error));
        if (response.status() < 400) {
            for (ApiRequest.Offered offered : request.offeredAfterAnswer()) {
                if (!afterResponse.offer(invocation.id(), offered.work())) {
                    offered.skipped().run();
                }
            }
        }
        Telemetry.request(measurement);
        LOG.info("{} {} {} {} ms", request.method(), request.path(), response.status(),
                String.format(Locale.ROOT, "%.1f", latency.toNanos() / 1e6));
        return response.withHeader("x-request-id", request.requestId());
    }

    /** Lets a postponed request-log write of this invocation land ({@link AfterResponse#settle}). */
    void settle(Invocation invocation) {
        afterResponse.settle(invocation.id());
    }

    private void record(ApiRequest request, int status, double seconds, Optional<String> error) {
        RequestLogEntry entry = entry(request, status, seconds, error);
        try {
            requestLog.get().record(entry);
        } catch (RuntimeException e) {
            // The answer is already decided; losing its log entry must not turn it into a 500.
            LOG.error("could not record request {} in the request log", request.requestId(), e);
        }
    }

    private RequestLogEntry entry(ApiRequest request, int status, double seconds, Optional<String> error) {
        var fields = request.logFields();
        return new RequestLogEntry(request.requestId(), request.receivedAt(), request.routeKey(),
                request.method(), request.path(), request.principal().map(Principal::username), status, seconds,
                request.body().length, fields.imageUrl(), fields.imageWidth(), fields.imageHeight(), fields.model(),
                fields.result(), error.map(Redaction::redact).map(RequestRecorder::clip), Optional.ofNullable(request.sourceIp()),
                request.receivedAt().plus(retention), fields.modelRole(), fields.inputCounts());
    }

    private static String clip(String message) {
        return message.length() <= 1024 ? message : message.substring(0, 1024);
    }
}
